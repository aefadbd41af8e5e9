//! The explorer's pages and its JSON endpoints.
//!
//! | path | what |
//! |---|---|
//! | `/` | indexing progress, the live feed, groups, latest certificates |
//! | `/certificate/{request}` | a certificate, its members, the proof check |
//! | `/group/{group}` | terms, members, plots, fees, certificates |
//! | `/member/{group}/{model}` | on-chain record, indexed tally, versions, slashes |
//! | `/block/{number}` | what a finalized block decided |
//! | `/account/{ss58}` | requests as client or owner, fees, slashes |
//! | `/search?q=` | request id, `#block`, input or block hash, account |
//! | `/list/{name}?...&format=csv\|json` | every list, exported |
//! | `/api/status`, `/api/feed` (SSE), `/api/recent`, `/api/certificate/{request}` | for scripts and the page's script |

use super::{
	html::{self, a, esc, facts, page, Cell, List},
	store::{hex0x, outcome_kind, owner_of, vote_of, Filter},
	FeedItem, Shared,
};
use crate::{verify, AccountId, Certificate, Client, Outcome, Output};
use axum::{
	extract::{Path, Query, State},
	http::{header, StatusCode},
	response::{
		sse::{Event, KeepAlive, Sse},
		Html, IntoResponse, Redirect, Response,
	},
	routing::get,
	Json, Router,
};
use std::{collections::HashMap, fmt::Write, str::FromStr, sync::Arc};

type AppState = State<Arc<Shared>>;
type Params = Query<HashMap<String, String>>;
/// A page, or the error page that replaces it.
type PageResult = Result<Response, PageError>;

/// What went wrong, shown as a page with its HTTP status.
#[derive(Debug)]
pub struct PageError {
	status: StatusCode,
	title: &'static str,
	message: String,
}

impl PageError {
	fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
		Self { status, title, message: message.into() }
	}
}

impl IntoResponse for PageError {
	fn into_response(self) -> Response {
		html::error(self.status, self.title, &self.message)
	}
}

/// Rows a list shows unless `limit` says otherwise, and the most it may ask.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 10_000;

pub fn router(shared: Arc<Shared>) -> Router {
	Router::new()
		.route("/", get(home))
		.route("/certificate/{request}", get(certificate_page))
		.route("/group/{group}", get(group_page))
		.route("/member/{group}/{model}", get(member_page))
		.route("/block/{number}", get(block_page))
		.route("/account/{account}", get(account_page))
		.route("/search", get(search))
		.route("/list/{name}", get(list))
		.route("/api/status", get(status))
		.route("/api/feed", get(feed))
		.route("/api/recent", get(recent))
		.route("/api/certificate/{request}", get(certificate_json))
		.route("/static/explorer.css", get(css))
		.route("/static/explorer.js", get(js))
		.fallback(|| async {
			html::error(StatusCode::NOT_FOUND, "Not found", "There is no such page here.")
		})
		.with_state(shared)
}

// --- Parsing what users type ---

fn bad(message: impl Into<String>) -> PageError {
	PageError::new(StatusCode::BAD_REQUEST, "Bad request", message)
}

fn not_found(message: impl Into<String>) -> PageError {
	PageError::new(StatusCode::NOT_FOUND, "Not found", message)
}

fn internal(e: anyhow::Error) -> PageError {
	PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "Index error", format!("{e:#}"))
}

fn unavailable(message: impl Into<String>) -> PageError {
	PageError::new(StatusCode::SERVICE_UNAVAILABLE, "Node unreachable", message)
}

fn gateway(e: anyhow::Error) -> PageError {
	PageError::new(StatusCode::BAD_GATEWAY, "Node error", format!("{e:#}"))
}

fn number<T: FromStr>(text: &str, what: &str) -> Result<T, PageError> {
	text.trim()
		.parse()
		.map_err(|_| bad(format!("{text:?} is not a {what} (a non-negative whole number)")))
}

fn param<T: FromStr>(params: &HashMap<String, String>, name: &str) -> Result<Option<T>, PageError> {
	match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
		Some(v) => v
			.parse()
			.map(Some)
			.map_err(|_| bad(format!("parameter {name}={v:?} is not valid here"))),
		None => Ok(None),
	}
}

/// A 32-byte hash as `0x` and 64 hex digits, lower case.
fn hash(text: &str) -> Result<String, PageError> {
	let t = text.trim();
	let digits = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
	if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
		return Err(bad(format!(
			"{text:?} is a malformed hash: expected 0x followed by 64 hex digits"
		)));
	}
	Ok(format!("0x{}", digits.to_lowercase()))
}

fn account(text: &str) -> Result<AccountId, PageError> {
	AccountId::from_str(text.trim())
		.map_err(|_| bad(format!("{text:?} is not an SS58 account address")))
}

fn limit(params: &HashMap<String, String>) -> Result<u32, PageError> {
	let limit = param::<u32>(params, "limit")?.unwrap_or(DEFAULT_LIMIT);
	if limit == 0 || limit > MAX_LIMIT {
		return Err(bad(format!("limit must be 1..={MAX_LIMIT}, got {limit}")));
	}
	Ok(limit)
}

// --- Showing the chain's values ---

pub fn output(o: &Output) -> String {
	match o {
		Output::Label(l) => format!("label {l}"),
		Output::Labels(ls) => {
			format!("labels {}", ls.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(" "))
		}
		Output::Digest(d) => format!("digest {}", hex0x(d)),
		Output::Unavailable => "unavailable".into(),
	}
}

pub fn outcome(o: &Outcome) -> String {
	match o {
		Outcome::Certified(out) => format!("certified {}", output(out)),
		other => outcome_kind(other).into(),
	}
}

fn ids(v: &[u32]) -> String {
	v.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(" ")
}

/// Where a list starts and how long it is at most.
#[derive(Clone, Copy)]
struct Page {
	offset: u64,
	limit: u32,
}

impl Page {
	const fn first(limit: u32) -> Self {
		Self { offset: 0, limit }
	}

	/// The next page's URL, when this one came back full.
	fn next(&self, export: &str, shown: usize) -> Option<String> {
		(shown as u64 >= u64::from(self.limit)).then(|| {
			let sep = if export.contains('?') { '&' } else { '?' };
			format!("{export}{sep}offset={}", self.offset + u64::from(self.limit))
		})
	}
}

fn certificate_list(id: &str, certificates: &[Certificate], export: String, page: Page) -> List {
	List {
		more: page.next(&export, certificates.len()),
		id: id.into(),
		columns: vec![
			"request",
			"group",
			"client",
			"input hash",
			"outcome",
			"agreed",
			"dissented",
			"not voted",
			"ordered at",
			"decided at",
		],
		rows: certificates
			.iter()
			.map(|c| {
				let decided = c.decided_at.unwrap_or_default();
				vec![
					Cell::link(c.request.to_string(), format!("/certificate/{}", c.request)),
					Cell::link(c.group.to_string(), format!("/group/{}", c.group)),
					Cell::link(c.client.to_string(), format!("/account/{}", c.client)),
					Cell::link(hex0x(&c.input_hash), format!("/search?q={}", hex0x(&c.input_hash))),
					outcome(&c.outcome).into(),
					ids(&c.agreed).into(),
					ids(&c.dissented).into(),
					ids(&c.not_voted).into(),
					Cell::link(c.ordered_at.to_string(), format!("/block/{}", c.ordered_at)),
					Cell::link(decided.to_string(), format!("/block/{decided}")),
				]
			})
			.collect(),
		export,
		empty: "No certificate indexed here yet.",
	}
}

fn payments_list(
	id: &str,
	payments: &[super::store::Payment],
	export: String,
	what: &'static str,
	page: Page,
) -> List {
	List {
		more: page.next(&export, payments.len()),
		id: id.into(),
		columns: vec!["block", "batch", "group", "model", "account", "amount"],
		rows: payments
			.iter()
			.map(|p| {
				vec![
					Cell::link(p.block.to_string(), format!("/block/{}", p.block)),
					p.batch.to_string().into(),
					match p.group {
						Some(g) => Cell::link(g.to_string(), format!("/group/{g}")),
						None => "".into(),
					},
					match (p.group, p.model) {
						(Some(g), Some(m)) => Cell::link(m.to_string(), format!("/member/{g}/{m}")),
						(None, Some(m)) => m.to_string().into(),
						_ => "".into(),
					},
					Cell::link(p.account.clone(), format!("/account/{}", p.account)),
					p.amount.to_string().into(),
				]
			})
			.collect(),
		export,
		empty: what,
	}
}

/// A page's list of indexed certificates matching `filter`, first page.
fn certificates_section(
	shared: &Shared,
	id: &str,
	filter: Filter,
	export: String,
	paging: Page,
) -> Result<String, PageError> {
	let certs = shared.store().certificates(&filter, paging.limit, 0).map_err(internal)?;
	Ok(certificate_list(id, &certs, export, paging).html())
}

/// An optional account parameter, checked and in SS58.
fn account_param(params: &HashMap<String, String>) -> Result<Option<String>, PageError> {
	params
		.get("account")
		.filter(|a| !a.is_empty())
		.map(|a| account(a).map(|a| a.to_string()))
		.transpose()
}

/// The groups on chain.
fn groups_list(groups: &[(u32, crate::Group)], export: String) -> List {
	List {
		id: "groups".into(),
		columns: vec!["group", "quorum", "price", "members", "active"],
		rows: groups
			.iter()
			.map(|(id, g)| {
				vec![
					Cell::link(id.to_string(), format!("/group/{id}")),
					g.quorum.to_string().into(),
					g.price.to_string().into(),
					g.members.0.len().to_string().into(),
					g.active.to_string().into(),
				]
			})
			.collect(),
		export,
		empty: "No groups on chain.",
		more: None,
	}
}

/// A certificate's members: owner, version, weights digest and vote.
fn members_list(c: &Certificate, export: String) -> List {
	List {
		id: "members".into(),
		columns: vec!["model", "owner", "version", "weights digest", "vote"],
		rows: c
			.versions
			.iter()
			.map(|v| {
				let owner = owner_of(c, v.model);
				vec![
					Cell::link(v.model.to_string(), format!("/member/{}/{}", c.group, v.model)),
					Cell::link(owner.clone(), format!("/account/{owner}")),
					v.version.to_string().into(),
					hex0x(&v.digest).into(),
					vote_of(c, v.model).into(),
				]
			})
			.collect(),
		export,
		empty: "No members.",
		more: None,
	}
}

/// The node's connection, or a note saying it is away.
fn node(shared: &Shared) -> Result<Arc<Client>, String> {
	shared.client().ok_or_else(|| {
		let status = shared.status();
		format!(
			"The node at {} is unreachable{}; this part of the page needs it and comes back with it.",
			status.node,
			status.error.map(|e| format!(" ({e})")).unwrap_or_default()
		)
	})
}

fn unreachable_note(id: &str, message: &str) -> String {
	format!(r#"<p class="error" id="{}">{}</p>"#, esc(id), esc(message))
}

fn ok(html: Html<String>) -> PageResult {
	Ok(html.into_response())
}

// --- Pages ---

fn progress(shared: &Shared) -> String {
	let s = shared.status();
	let indexed = s.indexed.unwrap_or(0);
	let pct =
		s.finalized.filter(|f| *f > 0).map(|f| 100.0 * indexed as f64 / f as f64).unwrap_or(0.0);
	let node = if s.connected {
		format!("connected to {}", s.node)
	} else {
		format!(
			"node {} unreachable{}",
			s.node,
			s.error.map(|e| format!(": {e}")).unwrap_or_default()
		)
	};
	format!(
		r#"<p id="progress" class="{class}">{node} · indexed #{indexed} of finalized #{fin} ({pct:.0}%) · best #{best}</p>"#,
		class = if s.connected { "ok" } else { "error" },
		node = esc(&node),
		fin = s.finalized.map(|f| f.to_string()).unwrap_or("?".into()),
		best = s.best.map(|f| f.to_string()).unwrap_or("?".into()),
	)
}

async fn home(State(shared): AppState) -> PageResult {
	let mut body = progress(&shared);
	let status = shared.status();
	let (decided, certified) = shared.store().counts(None).map_err(internal)?;
	body += &facts(
		"summary",
		&[
			("certificates indexed", decided.to_string()),
			("certified", certified.to_string()),
			(
				"resumed after block",
				status.resumed_after.map(|b| format!("#{b}")).unwrap_or_default(),
			),
			(
				"proofs checked from",
				match (status.checkpoint_set, &status.checkpoint_source) {
					(Some(set), Some(source)) => {
						esc(&format!("authority set {set}, from {source}"))
					}
					_ => "no checkpoint yet".into(),
				},
			),
		],
	);

	body += "<h2>Live feed</h2><p>Certificates as blocks decide them: <span class=\"best\">best</span> until the index holds them from a <span class=\"finalized\">finalized</span> block.</p>";
	let recent: Vec<FeedItem> = {
		let recent = shared.recent.lock().unwrap_or_else(|p| p.into_inner());
		recent.iter().cloned().collect()
	};
	body += r#"<p class="export">export <a href="/list/feed?format=csv">CSV</a> · <a href="/list/feed?format=json">JSON</a></p>"#;
	body += r#"<table id="feed"><thead><tr><th>request</th><th>status</th><th>group</th><th>outcome</th><th>block</th></tr></thead><tbody>"#;
	for item in &recent {
		body += &feed_row(item);
	}
	body += "</tbody></table>";

	body += "<h2>Groups</h2>";
	match node(&shared) {
		Ok(client) => match client.groups().await {
			Ok(groups) => {
				body += &groups_list(&groups, "/list/groups".into()).html();
			}
			Err(e) => {
				body += &unreachable_note("groups-error", &format!("reading the groups: {e:#}"))
			}
		},
		Err(message) => body += &unreachable_note("groups-error", &message),
	}

	body += "<h2>Latest finalized certificates</h2>";
	let latest = shared.store().certificates(&Filter::default(), 20, 0).map_err(internal)?;
	body +=
		&certificate_list("latest", &latest, "/list/certificates".into(), Page::first(20)).html();
	ok(page("Certificates, groups and members", &body))
}

fn feed_row(item: &FeedItem) -> String {
	let c = &item.certificate;
	format!(
		r#"<tr data-request="{r}"><td><a href="/certificate/{r}">{r}</a></td><td class="{s}">{s}</td><td><a href="/group/{g}">{g}</a></td><td>{o}</td><td><a href="/block/{b}">{b}</a></td></tr>"#,
		r = c.request,
		s = item.status,
		g = c.group,
		o = esc(&outcome(&c.outcome)),
		b = item.block,
	)
}

/// The certificate from the index (final) or else from the node's best state.
async fn find_certificate(shared: &Shared, request: u64) -> Result<(Certificate, bool), PageError> {
	if let Some(c) = shared.store().certificate(request).map_err(internal)? {
		return Ok((c, true));
	}
	let client = node(shared)
		.map_err(|m| unavailable(format!("Request {request} is not in the index. {m}")))?;
	match client.certificate(request).await {
		Ok(Some(c)) => Ok((c, false)),
		Ok(None) => Err(not_found(format!(
			"Request {request} is unknown: neither indexed nor in the node's state."
		))),
		Err(e) => Err(gateway(e)),
	}
}

async fn certificate_page(State(shared): AppState, Path(request): Path<String>) -> PageResult {
	let request: u64 = number(&request, "request id")?;
	let (c, indexed) = find_certificate(&shared, request).await?;
	let finalized = shared.status().finalized.unwrap_or(0);
	let finality = if indexed {
		"finalized (indexed)"
	} else if c.outcome == Outcome::Pending {
		"pending: not decided yet"
	} else if c.decided_at.is_some_and(|b| b <= finalized) {
		"finalized (not indexed yet)"
	} else {
		"decided in a best block, not final yet"
	};
	let mut body = facts(
		"certificate",
		&[
			("request", c.request.to_string()),
			("outcome", format!(r#"<span id="outcome">{}</span>"#, esc(&outcome(&c.outcome)))),
			("group", a(&format!("/group/{}", c.group), &c.group.to_string())),
			("client", a(&format!("/account/{}", c.client), &c.client.to_string())),
			(
				"input hash",
				a(&format!("/search?q={}", hex0x(&c.input_hash)), &hex0x(&c.input_hash)),
			),
			("fee", c.fee.to_string()),
			("batch", format!("{} (position {})", c.batch, c.index)),
			(
				"ordered in block",
				a(&format!("/block/{}", c.ordered_at), &format!("#{}", c.ordered_at)),
			),
			(
				"decided in block",
				c.decided_at
					.map(|b| a(&format!("/block/{b}"), &format!("#{b}")))
					.unwrap_or_else(|| "not yet".into()),
			),
			("finality", format!(r#"<span id="finality">{finality}</span>"#)),
			("export", a(&format!("/api/certificate/{request}"), "JSON")),
		],
	);
	body += "<h2>Members</h2>";
	body += &members_list(&c, format!("/list/members?request={request}")).html();
	body += "<h2>Offline verification of its proof</h2>";
	body += &verification(&shared, &c).await;
	ok(page(&format!("Request {request}"), &body))
}

/// The proof check, each step named with its result.
async fn verification(shared: &Shared, c: &Certificate) -> String {
	if c.outcome == Outcome::Pending {
		return unreachable_note("verification-note", "Not decided yet: nothing to prove.");
	}
	let client = match node(shared) {
		Ok(client) => client,
		Err(m) => return unreachable_note("verification-note", &m),
	};
	let Some(checkpoint) = shared.checkpoint() else {
		return unreachable_note("verification-note", "No trusted checkpoint yet.");
	};
	let proof = match client.proof(c.request, checkpoint.set_id).await {
		Ok(proof) => proof,
		Err(e) => {
			return unreachable_note(
				"verification-note",
				&format!(
					"The node gives no proof now ({e:#}). A certificate is provable while it is in finalized state: after the retention window only this index's copy remains."
				),
			)
		}
	};
	let mut checks = verify::report(&proof, &checkpoint);
	// The proof is of the node's copy: it must be the one this page shows.
	let same = proof.certificate == *c;
	checks.push(verify::CheckResult {
		check: "the proven certificate is the one shown on this page",
		passed: Some(same),
		detail: if same {
			String::new()
		} else {
			format!("differs in: {}", verify::differences(&proof.certificate, c))
		},
	});
	let all = checks.iter().all(|c| c.passed == Some(true));
	let mut out = format!(
		r#"<p id="verdict" class="{}">{}</p><table id="verification"><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>"#,
		if all { "ok" } else { "error" },
		if all {
			format!(
				"Verified against authority set {} (the explorer's checkpoint), without trusting the node.",
				checkpoint.set_id
			)
		} else {
			"The proof does NOT verify.".to_string()
		}
	);
	for check in &checks {
		let result = match check.passed {
			Some(true) => "passed",
			Some(false) => "FAILED",
			None => "not reached",
		};
		let _ = write!(
			out,
			r#"<tr><td>{}</td><td class="{}">{}</td><td>{}</td></tr>"#,
			esc(check.check),
			result.replace(' ', "-").to_lowercase(),
			result,
			esc(&check.detail)
		);
	}
	out.push_str("</tbody></table>");
	out
}

async fn certificate_json(State(shared): AppState, Path(request): Path<String>) -> PageResult {
	let request: u64 = number(&request, "request id")?;
	let (c, indexed) = find_certificate(&shared, request).await?;
	Ok(Json(serde_json::json!({ "final": indexed, "certificate": c })).into_response())
}

async fn group_page(State(shared): AppState, Path(group): Path<String>) -> PageResult {
	let group: u32 = number(&group, "group id")?;
	let (decided, certified) = shared.store().counts(Some(group)).map_err(internal)?;
	let mut body = String::new();
	body += "<h2>Terms</h2>";
	match node(&shared) {
		Ok(client) => match client.group(group).await {
			Ok(Some(g)) => {
				body += &facts(
					"terms",
					&[
						("task", esc(&format!("{:?}", g.task.0))),
						(
							"input",
							esc(&format!("{:?} {:?}", g.input.0.dtype, g.input.0.shape.to_vec())),
						),
						("policy", esc(&format!("{:?}", g.policy.0))),
						("quorum", format!(r#"<span id="quorum">{}</span>"#, g.quorum)),
						("price", g.price.to_string()),
						("max batch", g.max_batch.to_string()),
						("min member bond", g.min_member_bond.to_string()),
						("active", g.active.to_string()),
					],
				);
				let mut rows = Vec::new();
				for m in g.members.0.iter() {
					let model = client.model(m.model).await.ok().flatten();
					rows.push(vec![
						Cell::link(m.model.to_string(), format!("/member/{group}/{}", m.model)),
						model
							.as_ref()
							.map(|x| String::from_utf8_lossy(&x.name.0).into_owned())
							.unwrap_or_default()
							.into(),
						Cell::link(m.owner.to_string(), format!("/account/{}", m.owner)),
						model.as_ref().map(|x| x.current.to_string()).unwrap_or_default().into(),
					]);
				}
				body += "<h2>Members</h2>";
				body += &List {
					id: "group-members".into(),
					columns: vec!["model", "name", "owner", "current version"],
					rows,
					export: format!("/list/members?group={group}"),
					empty: "No members.",
					more: None,
				}
				.html();
			}
			Ok(None) if decided == 0 => {
				return Err(not_found(format!("There is no group {group}.")))
			}
			Ok(None) => {
				body += &unreachable_note(
					"terms-error",
					"The group is no longer on chain; its indexed history follows.",
				)
			}
			Err(e) => {
				body += &unreachable_note("terms-error", &format!("reading the group: {e:#}"))
			}
		},
		Err(m) => body += &unreachable_note("terms-error", &m),
	}

	body += "<h2>History (indexed)</h2>";
	let rate = if decided > 0 { certified as f64 / decided as f64 } else { 0.0 };
	body += &facts(
		"history",
		&[
			("requests decided", format!(r#"<span id="decided">{decided}</span>"#)),
			("certified", format!(r#"<span id="certified">{certified}</span>"#)),
			("agreement rate", format!("{rate:.3}")),
		],
	);
	let per_block = shared.store().per_block(group).map_err(internal)?;
	let last = shared.store().tip().map_err(internal)?.map(|t| t.number).unwrap_or(0);
	let (certified_points, rate_points) = series(&per_block, last);
	body += &html::plot(
		"plot-certified",
		"certified requests per block (mean over each point's blocks)",
		&certified_points,
		None,
	);
	body += &html::plot(
		"plot-agreement",
		"agreement rate (certified / decided) over each point's blocks",
		&rate_points,
		Some(1.0),
	);

	body += "<h2>Fees paid</h2>";
	body += &fee_totals_list(&shared, group, format!("/list/fee-totals?group={group}"))?.html();
	let paging = Page::first(DEFAULT_LIMIT);
	let fees = shared.store().fees(Some(group), None, paging.limit, 0).map_err(internal)?;
	let export = format!("/list/fees?group={group}");
	body += &payments_list("fees", &fees, export, "No fees paid yet.", paging).html();

	body += "<h2>Latest certificates</h2>";
	let filter = Filter { group: Some(group), ..Default::default() };
	let export = format!("/list/certificates?group={group}");
	body += &certificates_section(&shared, "group-certificates", filter, export, paging)?;
	ok(page(&format!("Group {group}"), &body))
}

/// Each owner's total fees from a group's batches.
fn fee_totals_list(shared: &Shared, group: u32, export: String) -> Result<List, PageError> {
	let totals = shared.store().fee_totals(group).map_err(internal)?;
	Ok(List {
		id: "fee-totals".into(),
		columns: vec!["owner", "total fees"],
		rows: totals
			.into_iter()
			.map(|(o, t)| {
				vec![Cell::link(o.clone(), format!("/account/{o}")), t.to_string().into()]
			})
			.collect(),
		export,
		empty: "No fees paid yet.",
		more: None,
	})
}

/// Points of a group's plots, from its first deciding block to `last`:
/// certified requests per block (blocks deciding nothing count as zero) and
/// the agreement rate (over blocks that decided something), in at most
/// [`PLOT_POINTS`] runs of equal length.
pub fn series(per_block: &[super::store::BlockCount], last: u32) -> (Points, Points) {
	let Some(first) = per_block.first().map(|b| b.block) else { return (vec![], vec![]) };
	let last = last.max(per_block.last().map(|b| b.block).unwrap_or(first));
	let span = u64::from(last - first) + 1;
	let run = span.div_ceil(PLOT_POINTS);
	let runs = span.div_ceil(run) as usize;
	let mut decided = vec![0u64; runs];
	let mut certified = vec![0u64; runs];
	for b in per_block {
		let i = (u64::from(b.block - first) / run) as usize;
		decided[i] += b.decided;
		certified[i] += b.certified;
	}
	let mut per_block_points = Vec::with_capacity(runs);
	let mut rate_points = Vec::new();
	for i in 0..runs {
		let start = u64::from(first) + i as u64 * run;
		let blocks = run.min(u64::from(last) + 1 - start);
		let x = start as f64 + (blocks - 1) as f64 / 2.0;
		per_block_points.push((x, certified[i] as f64 / blocks as f64));
		if decided[i] > 0 {
			rate_points.push((x, certified[i] as f64 / decided[i] as f64));
		}
	}
	(per_block_points, rate_points)
}

/// A plot's (x, y) points.
pub type Points = Vec<(f64, f64)>;

/// The most points a plot draws.
const PLOT_POINTS: u64 = 240;

/// A model's versions, oldest first, from the node.
async fn versions_list(client: &Client, model: u32) -> anyhow::Result<List> {
	let info =
		client.model(model).await?.ok_or_else(|| anyhow::anyhow!("there is no model {model}"))?;
	let last = info.pending.as_ref().map(|p| p.version).unwrap_or(info.current).max(info.current);
	let mut rows = Vec::new();
	for v in 1..=last {
		let Some(record) = client.chain.version(None, model, v).await? else { continue };
		let state = if v == info.current {
			"current"
		} else if info.pending.as_ref().is_some_and(|p| p.version == v) {
			"pending"
		} else {
			"replaced"
		};
		rows.push(vec![
			v.to_string().into(),
			hex0x(&record.digest).into(),
			format!("{:?}", record.format.0).into(),
			Cell::link(record.published_at.to_string(), format!("/block/{}", record.published_at)),
			record.active_from.to_string().into(),
			state.into(),
		]);
	}
	Ok(List {
		id: "versions".into(),
		columns: vec![
			"version",
			"weights digest",
			"format",
			"published at",
			"active from",
			"state",
		],
		rows,
		export: format!("/list/versions?model={model}"),
		empty: "No versions.",
		more: None,
	})
}

async fn member_page(
	State(shared): AppState,
	Path((group, model)): Path<(String, String)>,
) -> PageResult {
	let group: u32 = number(&group, "group id")?;
	let model: u32 = number(&model, "model id")?;
	let tally = shared.store().tally(group, model).map_err(internal)?;
	let mut body = String::new();
	body += "<h2>Record on chain</h2>";
	match node(&shared) {
		Ok(client) => {
			match client.model(model).await {
				Ok(Some(info)) => {
					body += &facts(
						"model",
						&[
							("name", esc(&String::from_utf8_lossy(&info.name.0))),
							(
								"owner",
								a(&format!("/account/{}", info.owner), &info.owner.to_string()),
							),
							("current version", info.current.to_string()),
							(
								"pending version",
								info.pending
									.as_ref()
									.map(|p| {
										format!("v{} from block #{}", p.version, p.active_from)
									})
									.unwrap_or_else(|| "none".into()),
							),
							(
								"worker key",
								info.worker.as_ref().map(|w| w.to_string()).unwrap_or_default(),
							),
							("retired", info.retired.to_string()),
						],
					);
				}
				Ok(None) if tally == Default::default() => {
					return Err(not_found(format!("There is no model {model}.")))
				}
				Ok(None) => {}
				Err(e) => body += &unreachable_note("model-error", &format!("{e:#}")),
			}
			match client.member_record(group, model).await {
				Ok(record) => {
					let value = serde_json::to_value(&record).unwrap_or_default();
					let rows: Vec<(&str, String)> = value
						.as_object()
						.map(|o| o.iter().map(|(k, v)| (k.as_str(), esc(&v.to_string()))).collect())
						.unwrap_or_default();
					body += &facts("record", &rows);
				}
				Err(e) => body += &unreachable_note("record-error", &format!("{e:#}")),
			}
			body += "<h2>Versions</h2>";
			match versions_list(&client, model).await {
				Ok(list) => body += &list.html(),
				Err(e) => body += &unreachable_note("versions-error", &format!("{e:#}")),
			}
		}
		Err(m) => body += &unreachable_note("record-error", &m),
	}
	body += "<h2>Votes over the indexed history</h2>";
	body += &facts(
		"tally",
		&[
			("agreed", format!(r#"<span id="tally-agreed">{}</span>"#, tally.agreed)),
			("dissented", format!(r#"<span id="tally-dissented">{}</span>"#, tally.dissented)),
			("did not vote", format!(r#"<span id="tally-not-voted">{}</span>"#, tally.not_voted)),
		],
	);
	body += "<h2>Slashes</h2>";
	let paging = Page::first(DEFAULT_LIMIT);
	let slashes = shared.store().slashes(Some(model), None, paging.limit, 0).map_err(internal)?;
	let export = format!("/list/slashes?model={model}");
	body += &payments_list("slashes", &slashes, export, "Never slashed.", paging).html();
	body += "<h2>Latest certificates</h2>";
	let filter = Filter { group: Some(group), model: Some(model), ..Default::default() };
	let export = format!("/list/certificates?group={group}&model={model}");
	body += &certificates_section(&shared, "member-certificates", filter, export, paging)?;
	ok(page(&format!("Member: model {model} in group {group}"), &body))
}

async fn block_page(State(shared): AppState, Path(n): Path<String>) -> PageResult {
	let n: u32 = number(n.trim_start_matches('#'), "block number")?;
	let Some((hash, decided)) = shared.store().block(n).map_err(internal)? else {
		let s = shared.status();
		return Err(not_found(match s.finalized {
			Some(f) if n > f => format!("Block #{n} is not finalized yet (finalized: #{f})."),
			_ => format!(
				"Block #{n} is not in the index yet (indexed up to #{}).",
				s.indexed.unwrap_or(0)
			),
		}));
	};
	let mut body = facts(
		"block",
		&[
			("number", n.to_string()),
			("hash", esc(&hash)),
			("finality", "finalized".into()),
			("requests decided", decided.to_string()),
		],
	);
	let paging = Page::first(MAX_LIMIT);
	let filter = Filter { block: Some(n), ..Default::default() };
	let export = format!("/list/certificates?block={n}");
	body += &certificates_section(&shared, "block-certificates", filter, export, paging)?;
	ok(page(&format!("Block #{n}"), &body))
}

async fn account_page(State(shared): AppState, Path(text): Path<String>) -> PageResult {
	let who = account(&text)?.to_string();
	let mut body = String::new();
	match node(&shared) {
		Ok(client) => match client.chain.balance(None, &account(&text)?).await {
			Ok((free, held)) => {
				body += &facts("balance", &[("free", free.to_string()), ("held", held.to_string())])
			}
			Err(e) => body += &unreachable_note("balance-error", &format!("{e:#}")),
		},
		Err(m) => body += &unreachable_note("balance-error", &m),
	}
	body += "<h2>Requests (as client, or served by the account's models)</h2>";
	let filter = Filter { account: Some(who.clone()), ..Default::default() };
	let paging = Page::first(DEFAULT_LIMIT);
	let export = format!("/list/certificates?account={who}");
	body += &certificates_section(&shared, "account-certificates", filter, export, paging)?;
	body += "<h2>Fees received</h2>";
	let fees = shared.store().fees(None, Some(&who), paging.limit, 0).map_err(internal)?;
	let export = format!("/list/fees?account={who}");
	body += &payments_list("account-fees", &fees, export, "No fees received.", paging).html();
	body += "<h2>Slashes</h2>";
	let slashes = shared.store().slashes(None, Some(&who), paging.limit, 0).map_err(internal)?;
	let export = format!("/list/slashes?account={who}");
	body += &payments_list("account-slashes", &slashes, export, "Never slashed.", paging).html();
	ok(page(&format!("Account {who}"), &body))
}

async fn search(State(shared): AppState, Query(params): Params) -> PageResult {
	let q = params.get("q").map(|q| q.trim().to_string()).unwrap_or_default();
	if q.is_empty() {
		return Ok(Redirect::to("/").into_response());
	}
	if let Some(n) = q.strip_prefix('#') {
		let n: u32 = number(n, "block number")?;
		return Ok(Redirect::to(&format!("/block/{n}")).into_response());
	}
	if q.chars().all(|c| c.is_ascii_digit()) {
		let n: u64 = number(&q, "request id or block number")?;
		let request = shared.store().certificate(n).map_err(internal)?.is_some();
		let block =
			u32::try_from(n).ok().and_then(|b| shared.store().block(b).ok().flatten()).is_some();
		return match (request, block) {
			(true, false) => Ok(Redirect::to(&format!("/certificate/{n}")).into_response()),
			(false, true) => Ok(Redirect::to(&format!("/block/{n}")).into_response()),
			(true, true) => ok(page(
				&format!("{n}: a request and a block"),
				&format!(
					r#"<ul id="matches"><li>{}</li><li>{}</li></ul>"#,
					a(&format!("/certificate/{n}"), &format!("request {n}")),
					a(&format!("/block/{n}"), &format!("block #{n}"))
				),
			)),
			// Not indexed: the node may still know the request.
			(false, false) => Ok(Redirect::to(&format!("/certificate/{n}")).into_response()),
		};
	}
	let bare_hash = q.len() == 64 && q.chars().all(|c| c.is_ascii_hexdigit());
	if q.starts_with("0x") || q.starts_with("0X") || bare_hash {
		let h = hash(&q)?;
		if let Some(n) = shared.store().block_by_hash(&h).map_err(internal)? {
			return Ok(Redirect::to(&format!("/block/{n}")).into_response());
		}
		let paging = Page::first(MAX_LIMIT);
		let certs = shared
			.store()
			.certificates(&Filter { input: Some(h.clone()), ..Default::default() }, paging.limit, 0)
			.map_err(internal)?;
		if certs.is_empty() {
			return Err(not_found(format!(
				"No indexed certificate has input hash {h}, and no indexed block has that hash."
			)));
		}
		let export = format!("/list/certificates?input={h}");
		let body = certificate_list("input-certificates", &certs, export, paging).html();
		return ok(page(&format!("Input {h}"), &body));
	}
	if AccountId::from_str(&q).is_ok() {
		return Ok(Redirect::to(&format!("/account/{q}")).into_response());
	}
	Err(bad(format!(
		"{q:?} is not a request id, #block, 0x hash (input or block) or SS58 account address"
	)))
}

/// Every list of the pages, as a page of its own or exported.
async fn list(
	State(shared): AppState,
	Path(name): Path<String>,
	Query(params): Params,
) -> PageResult {
	let format = params.get("format").map(String::as_str).unwrap_or("html");
	if !matches!(format, "html" | "csv" | "json") {
		return Err(bad(format!("format must be html, csv or json, got {format:?}")));
	}
	// The list's own URL for its export links and next page: every parameter
	// but the format and the offset, encoded again.
	let query = {
		let mut pairs: Vec<(&str, &str)> = params
			.iter()
			.filter(|(k, _)| !matches!(k.as_str(), "format" | "offset"))
			.map(|(k, v)| (k.as_str(), v.as_str()))
			.collect();
		pairs.sort();
		html::url_query(&pairs)
	};
	// (An unknown name is refused below, before this is shown.)
	let export = format!("/list/{name}{}{query}", if query.is_empty() { "" } else { "?" });
	let paging = Page { offset: param(&params, "offset")?.unwrap_or(0), limit: limit(&params)? };
	let list = match name.as_str() {
		"certificates" => {
			let filter = Filter {
				group: param(&params, "group")?,
				account: account_param(&params)?,
				input: match params.get("input").filter(|i| !i.is_empty()) {
					Some(i) => Some(hash(i)?),
					None => None,
				},
				block: param(&params, "block")?,
				model: param(&params, "model")?,
			};
			let certs = shared
				.store()
				.certificates(&filter, paging.limit, paging.offset)
				.map_err(internal)?;
			if format == "json" {
				// The whole certificates, as the node's RPC gives them.
				return Ok(Json(certs).into_response());
			}
			certificate_list("certificates", &certs, export, paging)
		}
		"fees" | "fee-totals" => {
			let group = param::<u32>(&params, "group")?;
			let owner = account_param(&params)?;
			if name == "fees" {
				let fees = shared
					.store()
					.fees(group, owner.as_deref(), paging.limit, paging.offset)
					.map_err(internal)?;
				payments_list("fees", &fees, export, "No fees paid yet.", paging)
			} else {
				let group = group.ok_or_else(|| bad("fee-totals needs group=ID"))?;
				fee_totals_list(&shared, group, export)?
			}
		}
		"slashes" => {
			let model = param::<u32>(&params, "model")?;
			let owner = account_param(&params)?;
			let slashes = shared
				.store()
				.slashes(model, owner.as_deref(), paging.limit, paging.offset)
				.map_err(internal)?;
			payments_list("slashes", &slashes, export, "Never slashed.", paging)
		}
		"members" if params.contains_key("request") => {
			let request: u64 = param(&params, "request")?
				.ok_or_else(|| bad("members needs request=ID or group=ID"))?;
			let (c, _) = find_certificate(&shared, request).await?;
			members_list(&c, export)
		}
		"members" | "groups" | "versions" => {
			let client = node(&shared).map_err(unavailable)?;
			match name.as_str() {
				"versions" => {
					let model = param::<u32>(&params, "model")?
						.ok_or_else(|| bad("versions needs model=ID"))?;
					versions_list(&client, model).await.map_err(gateway)?
				}
				"groups" => {
					let groups = client.groups().await.map_err(gateway)?;
					groups_list(&groups, export)
				}
				_ => {
					let group = param::<u32>(&params, "group")?
						.ok_or_else(|| bad("members needs group=ID or request=ID"))?;
					let g = client
						.group(group)
						.await
						.map_err(gateway)?
						.ok_or_else(|| not_found(format!("There is no group {group}.")))?;
					List {
						id: "group-members".into(),
						columns: vec!["model", "owner"],
						rows: g
							.members
							.0
							.iter()
							.map(|m| vec![m.model.to_string().into(), m.owner.to_string().into()])
							.collect(),
						export,
						empty: "No members.",
						more: None,
					}
				}
			}
		}
		"feed" => {
			let recent: Vec<FeedItem> = {
				let recent = shared.recent.lock().unwrap_or_else(|p| p.into_inner());
				recent.iter().cloned().collect()
			};
			List {
				id: "feed".into(),
				columns: vec!["request", "status", "group", "outcome", "block"],
				rows: recent
					.iter()
					.map(|i| {
						let c = &i.certificate;
						vec![
							Cell::link(
								c.request.to_string(),
								format!("/certificate/{}", c.request),
							),
							i.status.into(),
							Cell::link(c.group.to_string(), format!("/group/{}", c.group)),
							outcome(&c.outcome).into(),
							Cell::link(i.block.to_string(), format!("/block/{}", i.block)),
						]
					})
					.collect(),
				export,
				empty: "Nothing decided since the explorer started.",
				more: None,
			}
		}
		other => return Err(not_found(format!("There is no list {other:?}."))),
	};
	match format {
		"csv" => Ok(html::csv_response(&name, list.csv())),
		"json" => Ok(Json(list.json()).into_response()),
		_ => ok(page(&format!("List: {name}"), &list.html())),
	}
}

async fn status(State(shared): AppState) -> Json<super::Status> {
	Json(shared.status())
}

/// Server-sent events: one JSON [`FeedItem`] per certificate, best then
/// finalized.
async fn feed(State(shared): AppState) -> impl IntoResponse {
	let state = (shared.feed.subscribe(), shared.stopping.subscribe());
	let stream = futures::stream::unfold(state, |(mut receiver, mut stopping)| async move {
		loop {
			let next = tokio::select! {
				next = receiver.recv() => next,
				// The explorer is shutting down: end the stream so the server can.
				_ = stopping.wait_for(|s| *s) => return None,
			};
			match next {
				Ok(item) => {
					let event =
						Event::default().json_data(&item).unwrap_or_else(|_| Event::default());
					return Some((Ok::<_, std::convert::Infallible>(event), (receiver, stopping)));
				}
				// A slow reader skips what it missed (the latest list is on
				// the page and at /api/recent).
				Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
				Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
			}
		}
	});
	Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The live feed's latest items, oldest first (the page renders them, then
/// follows `/api/feed`).
async fn recent(State(shared): AppState) -> Json<Vec<FeedItem>> {
	let recent = shared.recent.lock().unwrap_or_else(|p| p.into_inner());
	Json(recent.iter().rev().cloned().collect())
}

async fn css() -> impl IntoResponse {
	([(header::CONTENT_TYPE, "text/css")], include_str!("explorer.css"))
}

async fn js() -> impl IntoResponse {
	([(header::CONTENT_TYPE, "text/javascript")], include_str!("explorer.js"))
}

#[cfg(test)]
mod tests {
	use super::{super::store::BlockCount, series};

	#[test]
	fn plots_count_quiet_blocks_as_zero_and_rates_only_where_something_was_decided() {
		let per_block = [
			BlockCount { block: 10, decided: 4, certified: 3 },
			BlockCount { block: 13, decided: 2, certified: 2 },
		];
		let (per, rate) = series(&per_block, 14);
		assert_eq!(per, vec![(10.0, 3.0), (11.0, 0.0), (12.0, 0.0), (13.0, 2.0), (14.0, 0.0)]);
		assert_eq!(rate, vec![(10.0, 0.75), (13.0, 1.0)]);
		// 1,000 blocks: runs of 5 blocks, each point the run's mean.
		let (per, _) = series(&[BlockCount { block: 0, decided: 10, certified: 10 }], 999);
		assert_eq!(per.len(), 200);
		assert_eq!(per[0], (2.0, 2.0));
		assert_eq!(per[199], (997.0, 0.0));
		assert_eq!(series(&[], 5), (vec![], vec![]));
	}
}
