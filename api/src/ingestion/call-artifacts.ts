import type { CallArtifactInfo } from '../graph/graph-port.js';
import type { IntegrationContext } from './integration-context.js';

/**
 * Graph lists no artifacts of one ad hoc call ("Enumeration of artifacts for a particular call isn't
 * available"): they are found among the initiator's artifacts created around a moment of the call.
 * A day each side covers the longest call Teams allows (30 hours) from any of its artifacts.
 */
const AROUND_MS = 36 * 3_600_000;

export async function artifactsOfCall(
  c: IntegrationContext,
  kind: 'recording' | 'transcript',
  call: { initiatorId: string; callId: string; around: number },
): Promise<CallArtifactInfo[]> {
  const window = { from: new Date(call.around - AROUND_MS), to: new Date(Math.min(call.around + AROUND_MS, Date.now() + 60_000)) };
  const list = kind === 'recording' ? c.graph.listCallRecordings(call.initiatorId, window) : c.graph.listCallTranscripts(call.initiatorId, window);
  const found: CallArtifactInfo[] = [];
  for await (const a of list) if (a.callId.toLowerCase() === call.callId.toLowerCase()) found.push(a);
  return found;
}

/** WEBVTT escapes these in cue text, voice names included. */
const VTT_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&lrm;': '\u200e', '&rlm;': '\u200f', '&nbsp;': '\u00a0' };

/** The speakers a WEBVTT transcript names in its voice tags (`<v Lee Gu>`), in order of first words. */
export function speakersOf(vtt: string): string[] {
  const names: string[] = [];
  for (const m of vtt.matchAll(/<v(?:\.[^ >]+)*\s+([^>]{1,200})>/g)) {
    const name = m[1]!.replace(/&(amp|lt|gt|lrm|rlm|nbsp);/g, (e) => VTT_ENTITIES[e]!).trim();
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}
