// The live parts of the explorer's pages: the feed and the indexing progress
// line. Every page reads fine without it.
//
// The feed: the page is served with the feed as it was; this script renders
// the latest items again from /api/recent, then follows /api/feed
// (server-sent events). `?live=0` leaves the event stream closed (a page
// that never stops loading is hard to snapshot).
(function () {
  const feed = document.querySelector("#feed tbody");
  const live = new URLSearchParams(location.search).get("live") !== "0";

  // Serde's external tagging: {"Certified": {"Label": 3}} or "NoAgreement".
  function words(name) {
    return String(name).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  }
  function describe(output) {
    if (output.Label !== undefined) return "label " + output.Label;
    if (output.Labels !== undefined) return "labels " + output.Labels.join(" ");
    if (output.Digest !== undefined) return "digest " + output.Digest;
    return words(output);
  }
  function outcome(o) {
    return o.Certified !== undefined ? "certified " + describe(o.Certified) : words(o);
  }

  // One feed item as a row at the top; a later item of the same request
  // (finalized after best) replaces the earlier one.
  function render(item) {
    const c = item.certificate;
    const old = feed.querySelector(`tr[data-request="${c.request}"]`);
    if (old) {
      if (old.querySelector("td.finalized") && item.status === "best") return;
      old.remove();
    }
    const row = document.createElement("tr");
    row.dataset.request = c.request;
    row.dataset.rendered = "js";
    const cell = (text, href, cls) => {
      const td = document.createElement("td");
      if (cls) td.className = cls;
      if (href) {
        const a = document.createElement("a");
        a.href = href;
        a.textContent = text;
        td.appendChild(a);
      } else {
        td.textContent = text;
      }
      row.appendChild(td);
    };
    cell(c.request, `/certificate/${c.request}`);
    cell(item.status, null, item.status);
    cell(c.group, `/group/${c.group}`);
    cell(outcome(c.outcome));
    cell(item.block, `/block/${item.block}`);
    feed.prepend(row);
    while (feed.rows.length > 50) feed.deleteRow(-1);
  }

  if (feed) {
    fetch("/api/recent")
      .then((r) => r.json())
      .then((items) => {
        items.forEach(render);
        feed.dataset.replayed = String(items.length);
      })
      .catch(() => {})
      .finally(() => {
        if (live && window.EventSource) {
          new EventSource("/api/feed").onmessage = (m) => render(JSON.parse(m.data));
        }
      });
  }

  const progress = document.getElementById("progress");
  if (progress) {
    setInterval(async () => {
      try {
        const s = await (await fetch("/api/status")).json();
        const pct = s.finalized ? Math.round((100 * (s.indexed || 0)) / s.finalized) : 0;
        const node = s.connected
          ? `connected to ${s.node}`
          : `node ${s.node} unreachable${s.error ? ": " + s.error : ""}`;
        progress.textContent = `${node} · indexed #${s.indexed || 0} of finalized #${s.finalized ?? "?"} (${pct}%) · best #${s.best ?? "?"}`;
        progress.className = s.connected ? "ok" : "error";
        progress.dataset.updated = new Date().toISOString();
      } catch (e) {
        progress.textContent = "the explorer is unreachable";
        progress.className = "error";
      }
    }, 2000);
  }
})();
