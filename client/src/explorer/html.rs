//! The explorer's HTML: the page layout, lists that also export as CSV and
//! JSON, and SVG plots drawn on the server (no front-end build, no script
//! needed to read a page).

use axum::{
	http::{header, StatusCode},
	response::{Html, IntoResponse, Response},
};
use std::fmt::Write;

/// Escape text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
	let mut out = String::with_capacity(text.len());
	for ch in text.chars() {
		match ch {
			'&' => out.push_str("&amp;"),
			'<' => out.push_str("&lt;"),
			'>' => out.push_str("&gt;"),
			'"' => out.push_str("&quot;"),
			'\'' => out.push_str("&#39;"),
			c => out.push(c),
		}
	}
	out
}

/// A whole page: the header with the search box, then `body` (already HTML).
pub fn page(title: &str, body: &str) -> Html<String> {
	Html(format!(
		r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Dropbear explorer</title>
<link rel="stylesheet" href="/static/explorer.css">
</head><body>
<header><a class="brand" href="/">Dropbear explorer</a>
<form action="/search" method="get"><input name="q" placeholder="request id, #block, input hash, block hash or account" size="56" aria-label="search"><button>Search</button></form>
</header>
<main><h1>{title}</h1>
{body}
</main>
<script src="/static/explorer.js"></script>
</body></html>"#,
		title = esc(title),
	))
}

/// A page that says what went wrong, with its HTTP status.
pub fn error(status: StatusCode, title: &str, message: &str) -> Response {
	let body = format!(r#"<p class="error" id="error">{}</p>"#, esc(message));
	(status, page(title, &body)).into_response()
}

/// A cell of a list: its text, and a link where it names something.
#[derive(Clone, Debug)]
pub struct Cell {
	pub text: String,
	pub href: Option<String>,
}

impl Cell {
	pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
		Self { text: text.into(), href: Some(href.into()) }
	}
}

impl<T: Into<String>> From<T> for Cell {
	fn from(text: T) -> Self {
		Self { text: text.into(), href: None }
	}
}

/// A list shown in a page and exported as CSV or JSON from the same rows.
pub struct List {
	/// The HTML id of the table (tests and scripts find it by this).
	pub id: String,
	pub columns: Vec<&'static str>,
	pub rows: Vec<Vec<Cell>>,
	/// The list's own URL (with its query), to which `format=csv|json` is added.
	pub export: String,
	/// Shown instead of an empty table.
	pub empty: &'static str,
	/// The next page of the list, when this one is full.
	pub more: Option<String>,
}

impl List {
	pub fn html(&self) -> String {
		let sep = if self.export.contains('?') { '&' } else { '?' };
		let mut out = format!(
			r#"<p class="export">{n} rows · export <a href="{csv}">CSV</a> · <a href="{json}">JSON</a></p>"#,
			n = self.rows.len(),
			csv = esc(&format!("{}{sep}format=csv", self.export)),
			json = esc(&format!("{}{sep}format=json", self.export)),
		);
		if self.rows.is_empty() {
			let _ =
				write!(out, r#"<p class="empty" id="{}">{}</p>"#, esc(&self.id), esc(self.empty));
			return out;
		}
		let more = self
			.more
			.as_ref()
			.map(|href| format!(r#"<p class="more"><a href="{}">next page</a></p>"#, esc(href)))
			.unwrap_or_default();
		let _ = write!(out, r#"<table id="{}"><thead><tr>"#, esc(&self.id));
		for c in &self.columns {
			let _ = write!(out, "<th>{}</th>", esc(c));
		}
		out.push_str("</tr></thead><tbody>");
		for row in &self.rows {
			out.push_str("<tr>");
			for cell in row {
				match &cell.href {
					Some(href) => {
						let _ = write!(
							out,
							r#"<td><a href="{}">{}</a></td>"#,
							esc(href),
							esc(&cell.text)
						);
					}
					None => {
						let _ = write!(out, "<td>{}</td>", esc(&cell.text));
					}
				}
			}
			out.push_str("</tr>");
		}
		out.push_str("</tbody></table>");
		out.push_str(&more);
		out
	}

	/// RFC 4180: fields with a comma, quote or line break are quoted.
	pub fn csv(&self) -> String {
		let field = |s: &str| {
			if s.contains([',', '"', '\n', '\r']) {
				format!("\"{}\"", s.replace('"', "\"\""))
			} else {
				s.to_string()
			}
		};
		let mut out = self.columns.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
		out.push_str("\r\n");
		for row in &self.rows {
			out.push_str(&row.iter().map(|c| field(&c.text)).collect::<Vec<_>>().join(","));
			out.push_str("\r\n");
		}
		out
	}

	/// An array of objects keyed by column name.
	pub fn json(&self) -> serde_json::Value {
		self.rows
			.iter()
			.map(|row| {
				self.columns
					.iter()
					.zip(row)
					.map(|(c, cell)| (c.to_string(), serde_json::Value::String(cell.text.clone())))
					.collect::<serde_json::Map<_, _>>()
					.into()
			})
			.collect::<Vec<serde_json::Value>>()
			.into()
	}
}

/// `key=value&...` with each part percent-encoded (RFC 3986 unreserved
/// characters kept).
pub fn url_query(pairs: &[(&str, &str)]) -> String {
	let enc = |s: &str| {
		s.bytes()
			.map(|b| match b {
				b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
					(b as char).to_string()
				}
				b => format!("%{b:02X}"),
			})
			.collect::<String>()
	};
	pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// A CSV download.
pub fn csv_response(name: &str, body: String) -> Response {
	(
		[
			(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
			(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
		],
		body,
	)
		.into_response()
}

/// A line plot of `(x, y)` points as inline SVG, with its axis ranges
/// written out. At most `MAX_POINTS` points: longer series are averaged
/// over equal runs of x so the plot stays light.
pub fn plot(id: &str, title: &str, points: &[(f64, f64)], y_max: Option<f64>) -> String {
	const MAX_POINTS: usize = 240;
	const W: f64 = 640.0;
	const H: f64 = 180.0;
	const PAD: f64 = 36.0;
	if points.is_empty() {
		return format!(
			r#"<p class="empty" id="{}">{}: nothing indexed yet</p>"#,
			esc(id),
			esc(title)
		);
	}
	let points: Vec<(f64, f64)> = if points.len() > MAX_POINTS {
		points
			.chunks(points.len().div_ceil(MAX_POINTS))
			.map(|run| {
				let n = run.len() as f64;
				(run.iter().map(|p| p.0).sum::<f64>() / n, run.iter().map(|p| p.1).sum::<f64>() / n)
			})
			.collect()
	} else {
		points.to_vec()
	};
	let (x0, x1) = (points[0].0, points[points.len() - 1].0.max(points[0].0 + 1.0));
	let y1 = y_max.unwrap_or_else(|| points.iter().map(|p| p.1).fold(1.0, f64::max));
	let sx = |x: f64| PAD + (x - x0) / (x1 - x0) * (W - 2.0 * PAD);
	let sy = |y: f64| H - PAD / 2.0 - (y / y1) * (H - PAD);
	let path = points
		.iter()
		.map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
		.collect::<Vec<_>>()
		.join(" ");
	// Few points: mark each, so that a lone one shows.
	let marks: String = if points.len() <= 60 {
		points
			.iter()
			.map(|(x, y)| {
				format!(r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="2.5"/>"#, sx(*x), sy(*y))
			})
			.collect()
	} else {
		String::new()
	};
	format!(
		r#"<figure id="{id}"><figcaption>{title}</figcaption>
<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{title}">
<line class="axis" x1="{PAD}" y1="{yb:.1}" x2="{xr:.1}" y2="{yb:.1}"/><line class="axis" x1="{PAD}" y1="{yt:.1}" x2="{PAD}" y2="{yb:.1}"/>
<text x="2" y="{yt_text:.1}">{y1}</text><text x="2" y="{yb:.1}">0</text>
<text x="{PAD}" y="{H}">#{x0}</text><text x="{xr_text:.1}" y="{H}">#{x1}</text>
<polyline class="series" points="{path}"/>{marks}</svg></figure>"#,
		id = esc(id),
		title = esc(title),
		yb = sy(0.0),
		yt = sy(y1),
		yt_text = sy(y1) + 4.0,
		xr = W - PAD,
		xr_text = W - PAD - 30.0,
		y1 = trim_number(y1),
		x0 = x0 as u64,
		x1 = x1 as u64,
	)
}

fn trim_number(v: f64) -> String {
	if v.fract() == 0.0 {
		format!("{v:.0}")
	} else {
		format!("{v:.2}")
	}
}

/// A definition list of (name, value-as-HTML) pairs.
pub fn facts(id: &str, rows: &[(&str, String)]) -> String {
	let mut out = format!(r#"<dl id="{}">"#, esc(id));
	for (name, value) in rows {
		let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(name), value);
	}
	out.push_str("</dl>");
	out
}

pub fn a(href: &str, text: &str) -> String {
	format!(r#"<a href="{}">{}</a>"#, esc(href), esc(text))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn text_is_escaped_in_pages_and_quoted_in_csv() {
		assert_eq!(esc(r#"<b a="1">&'"#), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
		let list = List {
			id: "t".into(),
			columns: vec!["name", "value"],
			rows: vec![vec!["a,b".into(), Cell::link("say \"hi\"", "/x?a=1&b=2")]],
			export: "/list/t?group=0".into(),
			empty: "none",
			more: Some("/list/t?group=0&offset=1".into()),
		};
		assert_eq!(list.csv(), "name,value\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n");
		let html = list.html();
		assert!(html.contains(r#"<a href="/x?a=1&amp;b=2">say &quot;hi&quot;</a>"#), "{html}");
		assert!(html.contains("/list/t?group=0&amp;format=csv"), "{html}");
		assert!(html.contains(r#"<a href="/list/t?group=0&amp;offset=1">next page</a>"#), "{html}");
		assert_eq!(url_query(&[("account", "a b&c"), ("x", "é")]), "account=a%20b%26c&x=%C3%A9");
		assert_eq!(list.json(), serde_json::json!([{"name": "a,b", "value": "say \"hi\""}]));
	}

	#[test]
	fn a_long_series_is_averaged_down_and_its_range_written() {
		let points: Vec<(f64, f64)> = (0..1000).map(|x| (x as f64, (x % 2) as f64)).collect();
		let svg = plot("p", "rate", &points, Some(1.0));
		let n =
			svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap().split(' ').count();
		assert!(n <= 240, "{n} points");
		// Runs of 5 points: the first averages x 0..=4, the last 995..=999.
		assert!(svg.contains(">#2<") && svg.contains(">#997<"), "{svg}");
		assert!(plot("p", "rate", &[], None).contains("nothing indexed yet"));
	}
}
