// The live parts of the explorer's pages: the feed (server-sent events) and
// the indexing progress line. Every page reads fine without it.
(function () {
  const feed = document.querySelector("#feed tbody");
  if (feed && window.EventSource) {
    const source = new EventSource("/api/feed");
    source.onmessage = (message) => {
      const item = JSON.parse(message.data);
      const c = item.certificate;
      const old = feed.querySelector(`tr[data-request="${c.request}"]`);
      if (old) old.remove();
      const row = document.createElement("tr");
      row.dataset.request = c.request;
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
      // Serde's external tagging: {"Certified": {"Label": 3}} or "NoAgreement".
      const outcome = c.outcome.Certified !== undefined
        ? "certified " + describe(c.outcome.Certified)
        : words(c.outcome);
      cell(c.request, `/certificate/${c.request}`);
      cell(item.status, null, item.status);
      cell(c.group, `/group/${c.group}`);
      cell(outcome);
      cell(item.block, `/block/${item.block}`);
      feed.prepend(row);
      while (feed.rows.length > 50) feed.deleteRow(-1);
    };
  }
  function describe(output) {
    if (output.Label !== undefined) return "label " + output.Label;
    if (output.Labels !== undefined) return "labels " + output.Labels.join(" ");
    if (output.Digest !== undefined) return "digest " + output.Digest;
    return words(output);
  }
  function words(name) {
    return String(name).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  }
  const progress = document.getElementById("progress");
  if (progress) {
    setInterval(async () => {
      try {
        const s = await (await fetch("/api/status")).json();
        const pct = s.finalized ? Math.round((100 * (s.indexed || 0)) / s.finalized) : 0;
        const node = s.connected ? `connected to ${s.node}` : `node ${s.node} unreachable${s.error ? ": " + s.error : ""}`;
        progress.textContent = `${node} · indexed #${s.indexed || 0} of finalized #${s.finalized ?? "?"} (${pct}%) · best #${s.best ?? "?"}`;
        progress.className = s.connected ? "ok" : "error";
      } catch (e) {
        progress.textContent = "the explorer is unreachable";
        progress.className = "error";
      }
    }, 2000);
  }
})();
