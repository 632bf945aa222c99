import type { CheckStatus, ConnectionCheck } from '../integrations/connection-test.js';

/** What the doctor found, as `--json` prints it. */
export interface DoctorReport {
  /** no check failed (warnings allowed) */
  ok: boolean;
  exitCode: 0 | 1;
  checkedAt: string;
  target: {
    tenantId: string;
    clientId: string;
    authority: string;
    graphUrl: string;
    kaltura: { partnerId: number; serviceUrl: string; credential: 'appToken' | 'adminSecret' };
  };
  summary: Record<CheckStatus, number>;
  checks: ConnectionCheck[];
}

const MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✖', warning: '!', skipped: '-' };

export function summarize(checks: readonly ConnectionCheck[]): Record<CheckStatus, number> {
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warning: 0, skipped: 0 };
  for (const c of checks) summary[c.status]++;
  return summary;
}

/** The report for a person: one line per check, then its message and fix indented below it. */
export function formatReport(r: DoctorReport): string {
  const k = r.target.kaltura;
  const lines = [
    `Checking tenant ${r.target.tenantId}, app registration ${r.target.clientId} (${r.target.authority}, ${r.target.graphUrl})`,
    `and Kaltura partner ${k.partnerId} (${k.serviceUrl}, ${k.credential === 'appToken' ? 'app token' : 'admin secret'})`,
    '',
  ];
  for (const c of r.checks) {
    const code = c.code && c.status !== 'pass' ? ` [${c.code}]` : '';
    if (c.status === 'skipped') {
      lines.push(`${MARK.skipped} ${c.label}: skipped. ${c.message ?? ''}`.trimEnd());
      continue;
    }
    lines.push(`${MARK[c.status]} ${c.label}${code}`);
    if (c.message?.trim()) lines.push(`    ${c.message.trim()}`);
    if (c.fix && c.status !== 'pass') lines.push(`    Fix: ${c.fix}`);
  }
  const s = r.summary;
  const counts = [`${s.fail} failed`, `${s.warning} ${s.warning === 1 ? 'warning' : 'warnings'}`, `${s.pass} passed`, `${s.skipped} skipped`].join(', ');
  lines.push('', `${counts}.`);
  lines.push(
    r.ok
      ? s.warning > 0
        ? 'Nothing failed: recordings can be archived; the warnings above are worth fixing.'
        : 'Nothing failed: recordings can be archived.'
      : `${s.fail === 1 ? 'A check' : `${s.fail} checks`} failed: apply the fix, then run the doctor again (changes in Entra ID and Teams can take up to 30 minutes to apply).`,
  );
  return lines.join('\n') + '\n';
}

/** Every occurrence of a secret replaced, in case a service ever echoes one back. */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('(secret)');
  return out;
}
