import {
  embedSessionSchema,
  type EmbedSession,
  type EmbedTicketPair,
} from '../../../protocol/embed.js';
import { api, ApiError } from '../../lib/api.js';

// The same ticket opened twice (React's development double effects) must not be sent twice: the
// server takes a ticket once and would call the second `ticket_replayed`.
const exchanges = new Map<string, Promise<EmbedSession>>();

/**
 * `POST /embed/exchange`: the ticket for the member's token. Without cookies, both ways: a
 * frame of another site's page may have none, and its session is the token it holds in memory.
 */
export function exchangeTicket(pair: EmbedTicketPair): Promise<EmbedSession> {
  const key = `${pair.ticket}.${pair.sig}`;
  let exchange = exchanges.get(key);
  if (!exchange) {
    exchange = api<unknown>('/embed/exchange', { body: pair, withoutCookies: true }).then(
      (body) => {
        const parsed = embedSessionSchema.safeParse(body);
        if (!parsed.success) {
          throw new ApiError('internal_error', 'The server answered something unexpected.', 200);
        }
        return parsed.data;
      },
    );
    exchanges.set(key, exchange);
  }
  return exchange;
}
