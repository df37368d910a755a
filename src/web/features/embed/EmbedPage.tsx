import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  embedPageQuerySchema,
  type EmbedEvent,
  type EmbedSession,
  type EmbedTheme,
  type EmbedTicketPair,
} from '../../../protocol/embed.js';
import { CenteredPage } from '../../components/CenteredPage.js';
import { ApiError, onTokenRefused } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';
import type { SavedMembership } from '../../lib/memberships.js';
import { useMediaQuery } from '../../lib/useMediaQuery.js';
import { ticketField } from '../../embed/ticketJson.js';
import type { OutboxEntry } from '../room/roomReducer.js';
import { RoomView, type RoomEmbedding } from '../room/RoomView.js';
import { createCommandRelay } from './commandRelay.js';
import { EmbedBridge } from './EmbedBridge.js';
import { exchangeTicket } from './embedApi.js';
import { fragmentTicket } from './fragmentTicket.js';
import {
  acceptParentMessage,
  eventMessage,
  readTicketAnswer,
  ticketRequestMessage,
} from './parentMessages.js';
import { applyTheme } from './theme.js';

/** How long the page has to answer a ticket-request before the frame says it cannot open. */
const TICKET_ANSWER_MS = 15_000;

export const EXPIRED_MESSAGE = 'This chat link has expired — reload the page to open it again';

type Phase =
  | { kind: 'waiting' }
  | { kind: 'in'; session: EmbedSession }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'left' };

class TicketUnavailable extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Plain words for a refusal, as the frame shows them and reports them in an `error` event. */
function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof TicketUnavailable) return { code: error.code, message: error.message };
  if (!(error instanceof ApiError))
    return { code: 'internal_error', message: describeError(error) };
  const { code } = error;
  switch (code) {
    case 'ticket_expired':
    case 'ticket_replayed':
      return { code, message: EXPIRED_MESSAGE };
    case 'origin_not_allowed':
      return { code, message: 'This chat cannot be opened on this site.' };
    case 'bad_signature':
    case 'invalid_request':
      return { code, message: 'This chat link is not valid. Reload the page to try again.' };
    case 'network_error':
      return {
        code,
        message: 'Could not reach the chat. Check the connection, then reload the page.',
      };
    default:
      return { code, message: describeError(error) };
  }
}

/**
 * `/embed?integrator=<id>&origin=<parent origin>`: a room inside another site's page. The ticket
 * comes from the URL's fragment (taken out of the address at start), or from the parent page: on a
 * `ticket-request`'s port, or as a `ticket` message from `window.parent` at `origin`. A ticket
 * made for another origin is refused here, before the server is asked. The member's token lives
 * in this page's memory only; when the server stops taking it (it expired, the server restarted)
 * the frame asks the parent for a new ticket and carries on as the same member.
 */
export function EmbedPage({ search }: { search: URLSearchParams }) {
  const query = useMemo(
    () =>
      embedPageQuerySchema.safeParse({
        integrator: search.get('integrator'),
        origin: search.get('origin'),
      }),
    [search],
  );
  if (!query.success || window.parent === window) {
    return (
      <CenteredPage>
        <h1>This chat opens inside a page</h1>
        <p>Open the page that shows it.</p>
      </CenteredPage>
    );
  }
  return <EmbeddedRoom origin={query.data.origin} />;
}

function EmbeddedRoom({ origin }: { origin: string }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'waiting' });
  const [theme, setTheme] = useState<EmbedTheme | null>(null);
  const systemDark = useMediaQuery('(prefers-color-scheme: dark)');

  const post = useCallback(
    (event: EmbedEvent) => window.parent.postMessage(eventMessage(event), origin),
    [origin],
  );

  const sessionRef = useRef<EmbedSession | null>(null);
  // The room's outbox as the bridge last saw it, and what a renewal as another member carries.
  const pending = useRef<readonly OutboxEntry[]>([]);
  const [carriedOutbox, setCarriedOutbox] = useState<readonly OutboxEntry[] | undefined>();
  const busy = useRef(false);
  const joinedMember = useRef<string | null>(null);

  const open = useCallback(
    async (pair: EmbedTicketPair): Promise<void> => {
      // A ticket for another page is refused before it reaches the server.
      if (ticketField(pair.ticket, 'origin') !== origin) {
        throw new TicketUnavailable(
          'origin_not_allowed',
          'This chat cannot be opened on this site.',
        );
      }
      const session = await exchangeTicket(pair);
      if (session.origin !== origin) {
        throw new TicketUnavailable(
          'origin_not_allowed',
          'This chat cannot be opened on this site.',
        );
      }
      const previous = sessionRef.current;
      if (previous && previous.member.id !== session.member.id) {
        setCarriedOutbox(pending.current);
      }
      sessionRef.current = session;
      setPhase({ kind: 'in', session });
      if (session.theme) setTheme((current) => current ?? session.theme ?? null);
      if (joinedMember.current !== session.member.id) {
        joinedMember.current = session.member.id;
        post({
          name: 'joined',
          room: { id: session.room.id, name: session.room.name },
          member: session.member,
        });
      }
    },
    [origin, post],
  );

  // While a ticket-request waits, a `ticket` message from the parent answers it as well (a page
  // without the snippet answers that way).
  const answerTicket = useRef<((pair: EmbedTicketPair) => void) | null>(null);
  const requestTicket = useCallback(
    () =>
      new Promise<EmbedTicketPair>((resolve, reject) => {
        const channel = new MessageChannel();
        const settle = () => {
          clearTimeout(timer);
          channel.port1.close();
          answerTicket.current = null;
        };
        const timer = setTimeout(() => {
          settle();
          reject(new TicketUnavailable('ticket_expired', EXPIRED_MESSAGE));
        }, TICKET_ANSWER_MS);
        answerTicket.current = (pair) => {
          settle();
          resolve(pair);
        };
        channel.port1.onmessage = (event: MessageEvent) => {
          const answer = readTicketAnswer(event.data);
          if (answer === null) return;
          settle();
          if ('error' in answer) reject(new TicketUnavailable('unauthorized', answer.error));
          else resolve(answer);
        };
        window.parent.postMessage(ticketRequestMessage(), origin, [channel.port2]);
      }),
    [origin],
  );

  const fail = useCallback(
    (error: unknown) => {
      const failure = failureOf(error);
      setPhase({ kind: 'failed', ...failure });
      post({ name: 'error', ...failure });
    },
    [post],
  );

  /** Opens with `pair`, or with a ticket asked of the page; one at a time. */
  const openWith = useCallback(
    async (pair?: EmbedTicketPair) => {
      if (busy.current) return;
      busy.current = true;
      try {
        await open(pair ?? (await requestTicket()));
      } catch (error) {
        fail(error);
      } finally {
        busy.current = false;
      }
    },
    [open, requestTicket, fail],
  );

  // The commands the parent sends, held until the room is there to carry them out.
  const relay = useMemo(() => createCommandRelay(), []);

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      const message = acceptParentMessage(event, { parent: window.parent, origin });
      if (message === null) return;
      if (message.type === 'ticket') {
        const pair = { ticket: message.ticket, sig: message.sig };
        if (answerTicket.current) answerTicket.current(pair);
        else void openWith(pair);
      } else if (message.command.command === 'theme') {
        setTheme(message.command.theme);
      } else {
        relay.push(message.command);
      }
    };
    window.addEventListener('message', onMessage);
    post({ name: 'ready' });
    // After this effect: the page answers (and this frame changes state) from an event, never
    // while React commits.
    const pair = fragmentTicket();
    const start = setTimeout(() => void openWith(pair ?? undefined), 0);
    return () => {
      clearTimeout(start);
      window.removeEventListener('message', onMessage);
    };
  }, [origin, post, openWith, relay]);

  useEffect(() => {
    applyTheme(theme ?? {}, systemDark, document.documentElement);
  }, [theme, systemDark]);

  // The server no longer takes the token (the socket's refusal reaches `renew` through the room;
  // an API call's, here): ask the page for a new ticket.
  const renew = useCallback(() => void openWith(), [openWith]);
  useEffect(
    () =>
      onTokenRefused((token) => {
        if (token === sessionRef.current?.token) renew();
      }),
    [renew],
  );

  const left = useCallback(() => {
    sessionRef.current = null;
    setPhase({ kind: 'left' });
    post({ name: 'left' });
  }, [post]);

  const keepOutbox = useCallback((outbox: readonly OutboxEntry[]) => {
    pending.current = outbox;
  }, []);
  const embedding = useMemo<RoomEmbedding>(
    () => ({
      renew,
      carriedOutbox,
      onLeft: left,
      bridge: (room) => (
        <EmbedBridge
          room={room}
          post={post}
          commands={relay}
          onLeave={left}
          onOutbox={keepOutbox}
        />
      ),
    }),
    [renew, carriedOutbox, left, post, relay, keepOutbox],
  );

  const session = phase.kind === 'in' ? phase.session : null;
  const membership = useMemo<SavedMembership | null>(
    () =>
      session && {
        roomId: session.room.id,
        token: session.token,
        member: session.member,
        roomName: session.room.name,
      },
    [session],
  );

  if (membership) {
    return (
      <RoomView
        key={membership.member.id}
        session={membership}
        onRejected={renew}
        embedded={embedding}
      />
    );
  }
  switch (phase.kind) {
    case 'waiting':
      return (
        <p className="connecting" role="status">
          Opening the chat…
        </p>
      );
    case 'failed':
      return (
        <CenteredPage>
          <p role="alert">{phase.message}</p>
        </CenteredPage>
      );
    case 'left':
      return (
        <CenteredPage>
          <p role="status">You left the chat.</p>
        </CenteredPage>
      );
    default:
      return null;
  }
}
