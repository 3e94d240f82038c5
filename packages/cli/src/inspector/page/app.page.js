// The inspector page: plain DOM, no framework. Everything shown comes from whoever sent the
// request (task ids, headers, bodies), so it only ever goes in through textContent.

const maxRows = 2000;
const $ = (id) => document.getElementById(id);
const rows = new Map();
const summaries = new Map();
let selected = null;
let info = { listenUrl: "", forwardTo: null };
let pending = [];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clock(iso) {
  const date = new Date(iso);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function age(seconds) {
  if (seconds === undefined) return "";
  if (Math.abs(seconds) < 120) return `${seconds}s`;
  if (Math.abs(seconds) < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

/** The verdict as the list shows it: text and a colour class. */
function verdictOf(s) {
  const forward = s.forward;
  if (s.verdict === "replay") {
    if (forward?.duplicate) return { text: "duplicate at target", kind: "dup" };
    if (forward?.error) return { text: "replay failed", kind: "bad" };
    return { text: `replayed → ${s.httpStatus}`, kind: s.httpStatus < 300 ? "ok" : "bad" };
  }
  if (s.verdict === "accepted") {
    if (forward?.error) return { text: "relay failed", kind: "bad" };
    if (forward?.duplicate) return { text: "duplicate at target", kind: "dup" };
    if (forward && forward.status >= 300) return { text: `target → ${forward.status}`, kind: "bad" };
    return { text: "accepted", kind: "ok" };
  }
  if (s.verdict === "duplicate") return { text: "duplicate", kind: "dup" };
  return { text: s.verdict, kind: "bad" };
}

function isRefusal(s) {
  return !["accepted", "duplicate", "replay"].includes(s.verdict);
}

function makeRow(s) {
  const verdict = verdictOf(s);
  const tr = el("tr");
  tr.dataset.id = String(s.id);
  tr.dataset.verdict = verdict.text;
  tr.tabIndex = -1;
  tr.append(el("td", "time", clock(s.receivedAt)));
  const cell = el("td");
  cell.append(el("span", `verdict ${verdict.kind}`, verdict.text));
  if (s.replayOf !== undefined) cell.append(el("span", "muted", ` #${s.replayOf}`));
  tr.append(cell);
  tr.append(el("td", "task", s.taskId ?? "—"));
  tr.append(el("td", `status ${String(s.taskStatus ?? "").toLowerCase()}`, s.taskStatus ?? ""));
  tr.append(el("td", Math.abs(s.ageSeconds ?? 0) > 60 ? "age late" : "age", age(s.ageSeconds)));
  tr.append(el("td", "size", bytes(s.size)));
  tr.addEventListener("click", () => select(s.id).catch(fail));
  return tr;
}

// Rows arrive in bursts (a reconnect replays the whole list): add them once per frame.
function flush() {
  const batch = pending;
  pending = [];
  const fragment = document.createDocumentFragment();
  for (let i = batch.length - 1; i >= 0; i--) {
    const s = batch[i];
    const row = makeRow(s);
    rows.set(s.id, row);
    fragment.append(row);
  }
  const body = $("rows");
  body.prepend(fragment);
  for (const [id, row] of rows) {
    if (rows.size <= maxRows) break;
    row.remove();
    rows.delete(id);
    summaries.delete(id);
  }
  $("empty").hidden = rows.size > 0;
  $("count").textContent = `${rows.size} request${rows.size === 1 ? "" : "s"}`;
}

function receive(s) {
  if (summaries.has(s.id)) return;
  summaries.set(s.id, s);
  if (pending.length === 0) requestAnimationFrame(flush);
  pending.push(s);
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => setConnection("live", "ok"));
  source.addEventListener("error", () => setConnection("reconnecting…", "bad"));
  source.addEventListener("info", (event) => {
    info = JSON.parse(event.data);
    const relay = info.forwardTo ? ` · relaying to ${info.forwardTo}` : "";
    $("where").textContent = `receiving at ${info.listenUrl}${relay}`;
    $("hint").textContent = `taskhook send ${info.listenUrl} --data '{"result": 10}'`;
  });
  source.addEventListener("message", (event) => receive(JSON.parse(event.data)));
}

function setConnection(text, kind) {
  const pill = $("connection");
  pill.textContent = text;
  pill.className = `pill ${kind}`;
}

async function select(id) {
  selected = id;
  for (const row of document.querySelectorAll("tr.selected")) row.classList.remove("selected");
  const row = rows.get(id);
  row?.classList.add("selected");
  row?.focus({ preventScroll: true });
  $("action-result").textContent = "";
  $("curl-text").hidden = true;
  const response = await fetch(`/api/entries/${id}`);
  if (selected !== id) return;
  if (!response.ok) {
    $("detail").hidden = false;
    $("action-result").textContent = (await response.json()).error;
    return;
  }
  showDetail(await response.json());
}

function showDetail(detail) {
  const s = detail.summary;
  const verdict = verdictOf(s);
  $("detail").hidden = false;
  const chip = $("d-verdict");
  chip.textContent = verdict.text;
  chip.className = `verdict ${verdict.kind}`;
  $("d-task").textContent = s.taskId ?? "(no X-Task-ID)";
  const meta = [`#${s.id}`, `${s.method} ${s.url}`, `received ${clock(s.receivedAt)}`];
  if (s.taskStatus) meta.push(s.taskStatus);
  if (s.httpStatus !== null) meta.push(`answered ${s.httpStatus}`);
  $("d-meta").textContent = meta.join(" · ");

  $("refusal").hidden = !isRefusal(s);
  $("r-code").textContent = s.verdict;
  $("r-message").textContent = s.message ?? "";
  const list = $("r-diagnosis");
  list.replaceChildren();
  for (const item of s.diagnosis ?? []) {
    const li = el("li");
    li.append(el("strong", "", item.reason), document.createTextNode(` ${item.message}`));
    list.append(li);
  }
  showForward(s);

  const headers = $("d-headers");
  headers.replaceChildren();
  for (const [name, value] of detail.headers) {
    const tr = el("tr");
    tr.append(el("th", "", name), el("td", "", value));
    headers.append(tr);
  }
  showData(detail.data);
  $("d-size").textContent = bytes(s.size);
  $("d-body").textContent = detail.bodyText;
  const cut = detail.bodyShownBytes < s.size;
  $("d-body-note").hidden = !cut && !s.truncated;
  $("d-body-note").textContent = s.truncated
    ? "The body was refused before all of it arrived: this is the part that did."
    : `Showing the first ${bytes(detail.bodyShownBytes)} of ${bytes(s.size)}; Download has all of it.`;
  $("download").href = `/api/entries/${s.id}/download`;
  const replay = $("replay");
  replay.disabled = s.truncated === true;
  replay.textContent = `Replay to ${info.forwardTo ? "the forward target" : "the listener"}`;
  replay.title = info.forwardTo ?? info.listenUrl;
}

function showForward(s) {
  const box = $("forward");
  box.replaceChildren();
  box.hidden = s.forward === undefined;
  if (s.forward === undefined) return;
  const where =
    s.verdict === "replay" ? `Replay of #${s.replayOf} sent to ${s.target}` : `Relayed to ${info.forwardTo}`;
  const answer = s.forward.error ? `failed: ${s.forward.error}` : `answered ${s.forward.status}`;
  box.append(el("p", "", `${where}: ${answer}`));
  if (s.forward.body) box.append(el("pre", "", s.forward.body));
}

function showData(data) {
  const box = $("d-data");
  box.replaceChildren();
  $("data-title").textContent = data?.field ? "Data" : "Body as JSON";
  if (data === null) {
    box.append(el("p", "muted", "The body is not JSON."));
    return;
  }
  box.append(renderNode(data.root, data.field ?? "body", 0));
  if (data.cut) box.append(el("p", "muted", "Long values are cut here; the raw body and Download have everything."));
}

function renderNode(node, key, depth) {
  const [type, value, hidden] = node;
  if (type === "o" || type === "a") {
    const details = el("details");
    details.open = depth < 3;
    const count = value.length + hidden;
    const summary = el("summary");
    summary.append(el("span", "key", key), el("span", "muted", type === "o" ? ` {${count}}` : ` [${count}]`));
    details.append(summary);
    const children = el("div", "children");
    value.forEach((child, index) => {
      children.append(
        type === "o" ? renderNode(child[1], child[0], depth + 1) : renderNode(child, String(index), depth + 1),
      );
    });
    if (hidden > 0) children.append(el("div", "muted", `… ${hidden} more`));
    details.append(children);
    return details;
  }
  const leaf = el("div", "leaf");
  leaf.append(el("span", "key", key), document.createTextNode(": "));
  if (type === "s") {
    leaf.append(el("span", "string", JSON.stringify(value)));
    if (hidden > 0) leaf.append(el("span", "muted", ` … ${hidden} more characters`));
  } else {
    leaf.append(el("span", `literal ${value === "null" ? "null" : ""}`, value));
  }
  return leaf;
}

async function copyCurl() {
  if (selected === null) return;
  const response = await fetch(`/api/entries/${selected}/curl`);
  const text = await response.text();
  const box = $("curl-text");
  box.textContent = text;
  box.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    $("action-result").textContent = "Copied to the clipboard.";
  } catch {
    $("action-result").textContent = "Select the command below to copy it.";
  }
}

async function replay() {
  if (selected === null) return;
  const id = selected;
  const result = $("action-result");
  result.textContent = "Sending…";
  const response = await fetch(`/api/entries/${id}/replay`, {
    method: "POST",
    headers: { "x-taskhook-inspector": "1" },
  });
  const answer = await response.json();
  if (!response.ok) {
    result.textContent = answer.error;
    return;
  }
  const last = answer.attempts[answer.attempts.length - 1];
  const outcome =
    last.outcome === "response" ? `HTTP ${last.status} ${last.body ?? ""}` : `${last.outcome}: ${last.error}`;
  const tries = answer.attempts.length === 1 ? "" : ` after ${answer.attempts.length} attempts`;
  result.textContent = `Replayed #${id} to ${answer.target}${tries}: ${outcome}`;
}

function fail(error) {
  $("action-result").textContent = `The inspector did not answer (${error.message}); is taskhook listen still running?`;
}

function move(step) {
  const ids = [...$("rows").children].map((row) => Number(row.dataset.id));
  const index = ids.indexOf(selected);
  const next = ids[index === -1 ? 0 : Math.min(ids.length - 1, Math.max(0, index + step))];
  if (next !== undefined) select(next).catch(fail);
}

document.addEventListener("DOMContentLoaded", () => {
  $("replay").addEventListener("click", () => replay().catch(fail));
  $("curl").addEventListener("click", () => copyCurl().catch(fail));
  $("list").addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    }
  });
  connect();
});
