import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { APPROVALS_PATH } from "./service.js";
import type { ApprovalView } from "./types.js";

// Every value below goes through hono's html template, which escapes it: what an agent supplied
// (tool arguments, names, the confirmation text) is shown as text, never parsed as HTML.

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c1e21}
header{background:#24292f;color:#fff;padding:.7rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header form{margin:0}header button{background:none;border:1px solid #888;color:#fff}
main{max-width:56rem;margin:1.5rem auto;padding:0 1.5rem}
h1{font-size:1.25rem;margin:0}h2{font-size:1.1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #e1e4e8;vertical-align:top}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem 1.25rem;margin-bottom:1rem}
.message{font-size:1.05rem;font-weight:600;white-space:pre-wrap}
pre{background:#f0f2f4;padding:.75rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.3rem .8rem;margin:0}dt{color:#57606a}dd{margin:0}
.status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;background:#ddf4ff}
.actions{display:flex;gap:1rem;flex-wrap:wrap}.actions form{flex:1;min-width:14rem}
textarea,input[type=password]{width:100%;box-sizing:border-box;padding:.45rem;font:inherit}
button{padding:.45rem 1rem;font:inherit;border-radius:6px;border:1px solid #d0d7de;cursor:pointer}
.approve{background:#1f883d;color:#fff;border-color:#1a7f37}.deny{background:#cf222e;color:#fff;border-color:#a40e26}
.notice{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem 1rem;border-radius:6px;margin-bottom:1rem}
.error{background:#ffebe9;border-color:#ff8182}
`;

const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
const target = (v: ApprovalView) => [v.resource, v.app && `app ${v.app}`].filter(Boolean).join(" in ") || "-";

export function layout(title: string, body: Html, who?: { approver: string; csrf: string }): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · fly-machines-mcp approvals</title>
<link rel="stylesheet" href="${APPROVALS_PATH}/assets/style.css"></head>
<body><header><h1>fly-machines-mcp · approvals</h1>${
    who
      ? html`<form method="post" action="${APPROVALS_PATH}/sign-out"><input type="hidden" name="csrf" value="${who.csrf}">
<span>${who.approver}</span> <button type="submit">Sign out</button></form>`
      : ""
  }</header><main>${body}</main></body></html>`;
}

export function signInPage(csrf: string, problem?: string): Html {
  return layout(
    "Sign in",
    html`${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ""}
<div class="card"><h2>Sign in with your approver key</h2>
<form method="post" action="${APPROVALS_PATH}/sign-in">
<input type="hidden" name="csrf" value="${csrf}">
<p><label for="key">Approver key</label><br><input id="key" name="key" type="password" autocomplete="off" required></p>
<button type="submit">Sign in</button></form></div>`,
  );
}

export function listPage(
  items: ApprovalView[],
  who: { approver: string; csrf: string },
  notice?: string,
): Html {
  const rows = items.map(
    (
      v,
    ) => html`<tr><td><a href="${APPROVALS_PATH}/${v.id}">${v.tool}</a></td><td>${v.agent}</td><td>${target(v)}</td>
<td>${time(v.createdAt)}</td><td>${time(v.expiresAt)}</td></tr>`,
  );
  return layout(
    "Pending",
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<h2>Waiting for a decision (${items.length})</h2>
${
  items.length
    ? html`<table><thead><tr><th>Tool</th><th>Agent</th><th>Target</th><th>Asked</th><th>Expires</th></tr></thead>
<tbody>${rows}</tbody></table>`
    : html`<p class="card">Nothing is waiting for you.</p>`
}`,
    who,
  );
}

export function detailPage(
  v: ApprovalView,
  who: { approver: string; csrf: string },
  mayDecide: boolean,
): Html {
  const decided = v.decision
    ? html`<dt>Decided</dt><dd>${v.decision.decision} by ${v.decision.approver} at ${time(v.decision.decidedAt)}${
        v.decision.reason ? html`: ${v.decision.reason}` : ""
      }</dd>`
    : "";
  const forms =
    v.status === "pending" && mayDecide
      ? html`<div class="actions">
<form method="post" action="${APPROVALS_PATH}/${v.id}/approve" class="card"><input type="hidden" name="csrf" value="${who.csrf}">
<p><label for="approve-reason">Note (optional)</label><textarea id="approve-reason" name="reason" rows="2" maxlength="500"></textarea></p>
<button type="submit" class="approve">Approve this call</button></form>
<form method="post" action="${APPROVALS_PATH}/${v.id}/deny" class="card"><input type="hidden" name="csrf" value="${who.csrf}">
<p><label for="deny-reason">Reason (optional, the agent sees it)</label><textarea id="deny-reason" name="reason" rows="2" maxlength="500"></textarea></p>
<button type="submit" class="deny">Deny</button></form></div>`
      : v.status === "pending"
        ? html`<p class="notice">You are not among the approvers of agent ${v.agent}.</p>`
        : "";
  return layout(
    `${v.tool} by ${v.agent}`,
    html`<p><a href="${APPROVALS_PATH}">← All pending</a></p>
<div class="card"><p class="message">${v.message}</p>
<dl><dt>Status</dt><dd><span class="status">${v.status}</span></dd>
<dt>Agent</dt><dd>${v.agent}</dd><dt>Tool</dt><dd>${v.tool}</dd><dt>Target</dt><dd>${target(v)}</dd>
<dt>Asked</dt><dd>${time(v.createdAt)}</dd><dt>Expires</dt><dd>${time(v.expiresAt)}</dd>${decided}
<dt>Approval id</dt><dd><code>${v.id}</code></dd></dl>
<h2>Arguments (secret values hidden)</h2><pre class="args">${JSON.stringify(v.args, null, 2)}</pre></div>
${forms}`,
    who,
  );
}

export function messagePage(title: string, text: string, who?: { approver: string; csrf: string }): Html {
  return layout(
    title,
    html`<p class="notice error" role="alert">${text}</p><p><a href="${APPROVALS_PATH}">Back</a></p>`,
    who,
  );
}
