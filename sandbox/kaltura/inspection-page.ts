import { activeCategoriesOf, CaptionAssetStatus, refreshEntry, type PartnerState } from './model.js';

const STATUS_NAMES: Record<number, string> = {
  [-2]: 'ERROR_IMPORTING',
  [-1]: 'ERROR_CONVERTING',
  0: 'IMPORT',
  1: 'PRECONVERT',
  2: 'READY',
  3: 'DELETED',
  4: 'PENDING',
  7: 'NO_CONTENT',
};

/**
 * `GET /__control/`: a page a person can keep open while the sandbox runs; it reloads itself.
 * `?entry=<id>` (the sandbox's entry link) highlights that entry and shows its captions.
 */
export function inspectionPage(state: PartnerState, focusEntryId?: string): string {
  for (const e of state.entries.values()) refreshEntry(e);
  const entries = [...state.entries.values()].sort((a, b) => b.createdAt - a.createdAt);
  const focus = focusEntryId ? state.entries.get(focusEntryId) : undefined;
  const rows = entries
    .map((e) => {
      const captions = [...state.captions.values()].filter((c) => c.entryId === e.id && c.status !== CaptionAssetStatus.DELETED);
      return `<tr${e === focus ? ' class="focus"' : ''}>
  <td><code>${esc(e.id)}</code></td>
  <td>${esc(STATUS_NAMES[e.status] ?? String(e.status))}</td>
  <td>${esc(e.userId)}</td>
  <td>${esc(e.name)}</td>
  <td>${activeCategoriesOf(state, e.id)
    .map((c) => esc(c.fullName))
    .join('<br>')}</td>
  <td>${esc([...e.entitledUsersEdit.map((u) => `edit: ${u}`), ...e.entitledUsersPublish.map((u) => `publish: ${u}`), ...e.entitledUsersView.map((u) => `view: ${u}`)].join('\n')).replace(/\n/g, '<br>')}</td>
  <td>${captions.length}</td>
  <td class="num">${e.content ? e.content.size.toLocaleString('en-US') : ''}</td>
  <td><code>${esc(e.content?.sha256 ?? '')}</code></td>
  <td><code>${esc(e.referenceId ?? '')}</code></td>
</tr>`;
    })
    .join('\n');
  const uploading = [...state.uploadTokens.values()].filter((t) => t.status === 0 || t.status === 1).length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="3">
<title>Kaltura emulator — partner ${state.partnerId}</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f4f4; }
  td.num { text-align: right; }
  code { font-size: 12px; word-break: break-all; }
  .muted { color: #777; }
  tr.focus td { background: #fff6cc; }
  pre { background: #f7f7f7; padding: .5rem; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Kaltura emulator — partner ${state.partnerId}</h1>
<p class="muted">${entries.length} entries · ${uploading} uploads in progress · ${state.users.size} users and groups · ${state.categories.size} categories · refreshes every 3 s · JSON at <a href="/__control/state">/__control/state</a></p>
${focus ? focusSection(state, focus.id) : focusEntryId ? `<p>No entry <code>${esc(focusEntryId)}</code>.</p>` : ''}
<table>
<thead><tr><th>entry</th><th>status</th><th>owner</th><th>name</th><th>categories</th><th>entitled users</th><th>captions</th><th>bytes</th><th>sha256</th><th>referenceId</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="10" class="muted">no entries yet</td></tr>'}
</tbody>
</table>
</body>
</html>`;
}

function focusSection(state: PartnerState, entryId: string): string {
  const e = state.entries.get(entryId);
  if (!e) return '';
  const captions = [...state.captions.values()].filter((c) => c.entryId === e.id && c.status !== CaptionAssetStatus.DELETED);
  return `<h2>${esc(e.name)} <small class="muted"><code>${esc(e.id)}</code></small></h2>
<p>${esc(e.description ?? '')}</p>
${captions.map((c) => `<h3>Caption: ${esc(c.label ?? '')} (${esc(c.language ?? '')})</h3><pre>${esc(c.text ?? '')}</pre>`).join('\n')}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
