import type { EmbedTicketPair } from '../../protocol/embed.js';
import type { AppError } from '../core/AppError.js';
import type { TicketInspection } from './Tickets.js';

/** What each refusal means for the person looking at the frame. */
const refusalWords: Record<string, string> = {
  ticket_expired: 'This chat link has expired. Reload the page to open it again.',
  ticket_replayed: 'This chat link was used already. Reload the page to open it again.',
  bad_signature: 'This chat link is not valid.',
  origin_not_allowed: 'This chat cannot be shown on this site.',
  invalid_request: 'This chat link is incomplete.',
};

/**
 * The page a frame shows when its ticket is refused in the query form: the plain words and the
 * code (for the integrator's developers), no script, no style.
 */
export function refusalPage(error: AppError): string {
  const words = refusalWords[error.code] ?? error.message;
  return page(
    'Chat unavailable',
    `<h1>Chat unavailable</h1>
<p>${escapeHtml(words)}</p>
<p><small>Code: <code>${escapeHtml(error.code)}</code></small></p>`,
  );
}

/**
 * The development page "why was my ticket refused": a form for a ticket and its signature, and
 * each check's outcome. Served for the tickets of integrators with `"diagnostics": true` only.
 */
export function diagnosticsPage(
  pair: EmbedTicketPair | undefined,
  inspection: TicketInspection | undefined,
): string {
  const rows = (inspection?.steps ?? [])
    .map(
      (step) =>
        `<tr><th scope="row">${step.check}</th><td>${step.ok ? 'passed' : 'FAILED'}</td><td>${escapeHtml(step.detail)}</td></tr>`,
    )
    .join('\n');
  const verdict = inspection
    ? `<h2>Verdict: ${escapeHtml(inspection.refusal?.code ?? 'accepted')}</h2>
${inspection.refusal ? `<p>${escapeHtml(inspection.refusal.message)}</p>` : '<p>This ticket would be accepted (until it expires or is used).</p>'}
<table>
<thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '';
  return page(
    'Why was my ticket refused?',
    `<h1>Why was my ticket refused?</h1>
<p>For development only: paste a ticket and its signature exactly as your server produced them.
Nothing is used up, and the expected signature is never shown.</p>
<form method="get" action="/embed/diagnostics">
<p><label for="ticket">Ticket (base64url)</label><br>
<textarea id="ticket" name="ticket" rows="6" cols="80" required>${escapeHtml(pair?.ticket ?? '')}</textarea></p>
<p><label for="sig">Signature (hex)</label><br>
<input id="sig" name="sig" size="80" required value="${escapeHtml(pair?.sig ?? '')}"></p>
<p><button type="submit">Check</button></p>
</form>
${verdict}`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
