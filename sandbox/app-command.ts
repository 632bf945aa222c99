/**
 * How to run the app as its own process, from dist/ (built JavaScript) or, under tsx, from source.
 * The Node flags are the app's runtime settings, the same ones `npm run serve` uses (package.json):
 * restify 11 pulls in spdy, which touches process.binding; a small young generation keeps the garbage
 * of streamed media from piling up between collections, and a modest old-space limit makes V8 collect
 * before it grows, which together hold peak memory near the app's resting size whatever the
 * recording's size (npm run bench: peak_rss_mb_*).
 */
export const APP_NODE_FLAGS = ['--disable-warning=DEP0111', '--max-semi-space-size=1', '--max-old-space-size=160'];

export function appCommand(): { command: string; args: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = new URL(fromSource ? '../api/src/main.ts' : '../api/src/main.js', import.meta.url).pathname;
  return { command: process.execPath, args: fromSource ? [...APP_NODE_FLAGS, '--import', 'tsx', main] : [...APP_NODE_FLAGS, main] };
}
