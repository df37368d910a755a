import type { IncomingHttpHeaders } from 'node:http';

/**
 * Bot challenges and block pages: what anti-bot services answer a server-side fetch with
 * instead of the page. A card titled "Just a moment…" would be worse than none, so a page
 * matching any signature below is reported as a challenge and nothing of it is shown.
 *
 * A signature matches when every part it has matches: the page's `<title>` (whitespace
 * collapsed, trimmed), a response header, and the status. Titles are anchored so that an
 * article merely mentioning "access denied" is not taken for a block page.
 */
export interface ChallengeSignature {
  title?: RegExp;
  /** A header (lowercase name) and what its value matches. */
  header?: readonly [name: string, value: RegExp];
  /** Only at these statuses. */
  statuses?: readonly number[];
}

/** What the anti-bot services answer a blocked or challenged client with. */
const BLOCKED = [403, 429, 503] as const;

export const CHALLENGE_SIGNATURES: Readonly<Record<string, ChallengeSignature>> = {
  // Cloudflare marks every challenge it serves (managed, JS, interactive) with this header.
  'cloudflare-mitigated': { header: ['cf-mitigated', /^challenge$/i] },
  // Cloudflare's interstitial while its script checks the browser, at any status.
  'cloudflare-interstitial': { title: /^just a moment(\.\.\.|…)?$/i },
  // Cloudflare's older captcha and WAF block page.
  'cloudflare-attention': { title: /^attention required! \| cloudflare$/i },
  // Cloudflare answers for the origin, so its error statuses are its own blocks and rate limits.
  'cloudflare-blocked': { header: ['server', /^cloudflare$/i], statuses: BLOCKED },
  // DDoS-Guard's check page is titled with its own name.
  'ddos-guard': { title: /^ddos-guard$/i },
  'ddos-guard-blocked': { header: ['server', /^ddos-guard$/i], statuses: BLOCKED },
  // Imperva (Incapsula)'s bot-defence page.
  'imperva-interruption': { title: /^pardon our interruption/i },
  // Imperva stamps its answers with X-Iinfo (and sometimes X-CDN: Imperva / Incapsula).
  'imperva-blocked': { header: ['x-iinfo', /./], statuses: BLOCKED },
  'imperva-cdn-blocked': { header: ['x-cdn', /imperva|incapsula/i], statuses: BLOCKED },
  // Sucuri's firewall block page ("Sucuri WebSite Firewall - Access Denied").
  'sucuri-firewall': { title: /^sucuri website firewall\b/i },
  // Sucuri stamps its answers with X-Sucuri-ID.
  'sucuri-blocked': { header: ['x-sucuri-id', /./], statuses: BLOCKED },
  // Vercel's bot protection marks its challenges like Cloudflare does.
  'vercel-mitigated': { header: ['x-vercel-mitigated', /^challenge$/i] },
  // DataDome answers blocked clients with a 403 carrying its own header.
  'datadome-blocked': { header: ['x-datadome', /./], statuses: BLOCKED },
  // Generic "Checking your browser before accessing …" pages (older Cloudflare, many clones).
  'checking-browser': { title: /^checking (your|the) browser\b/i },
  // Turnstile-style and self-hosted human checks.
  'verifying-human': { title: /^verifying (that )?you are (a )?human\b/i },
  // Akamai's and Cloudflare's block pages: "Access Denied", "Access denied | x used Cloudflare…".
  'access-denied': { title: /^access denied(\s*[|:\-–—].*)?$/i },
};

/** Whether an answer is a bot challenge; `title` is undefined until the page has been read. */
export function isChallenge(
  status: number,
  headers: IncomingHttpHeaders,
  title: string | undefined,
): boolean {
  return Object.values(CHALLENGE_SIGNATURES).some((signature) =>
    matches(signature, status, headers, title),
  );
}

function matches(
  { title, header, statuses }: ChallengeSignature,
  status: number,
  headers: IncomingHttpHeaders,
  pageTitle: string | undefined,
): boolean {
  if (statuses && !statuses.includes(status)) return false;
  if (title && (pageTitle === undefined || !title.test(pageTitle))) return false;
  if (header) {
    const [name, value] = header;
    const values = [headers[name] ?? []].flat();
    if (!values.some((one) => value.test(one.trim()))) return false;
  }
  return title !== undefined || header !== undefined;
}
