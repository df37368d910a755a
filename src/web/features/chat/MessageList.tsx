import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { FileInfo, Member, Message } from '../../../protocol/schemas.js';
import { Avatar } from '../../components/Avatar.js';
import { ExternalLink } from '../../components/Link.js';
import { FileAttachment } from '../files/FileAttachment.js';
import type { FileLinks } from '../files/fileLinks.js';
import { LinkCard } from '../previews/LinkCard.js';
import { linkSegments } from './linkify.js';
import { listEntries, type PendingMessage } from './messages.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
/** Within this distance of the bottom, the list follows new messages. */
const STICK_PX = 48;
/** Consecutive messages from one sender within this time share one name line. */
const GROUP_MS = 5 * 60_000;

function Timestamp({ iso }: { iso: string }) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return (
    <time dateTime={iso} title={fullFormat.format(date)}>
      {timeFormat.format(date)}
    </time>
  );
}

function continues(previous: Message | undefined, message: Message): boolean {
  return (
    previous !== undefined &&
    previous.type === 'text' &&
    message.type === 'text' &&
    previous.sender?.id === message.sender?.id &&
    Date.parse(message.createdAt) - Date.parse(previous.createdAt) < GROUP_MS
  );
}

/** A body as text with its http(s) addresses as links; never HTML. */
function Body({ text }: { text: string }) {
  return (
    <p className="body">
      {linkSegments(text).map((segment, index) =>
        'href' in segment ? (
          <ExternalLink key={index} href={segment.href}>
            {segment.text}
          </ExternalLink>
        ) : (
          segment.text
        ),
      )}
    </p>
  );
}

/** Several system lines in a row as one: the newest, and the others behind "N more". */
function SystemRun({ messages }: { messages: readonly Message[] }) {
  const newest = messages.at(-1)!;
  return (
    <li className="message system run">
      <details>
        <summary>
          <span className="body">{newest.body}</span> <Timestamp iso={newest.createdAt} />{' '}
          <span className="more">and {messages.length - 1} more</span>
        </summary>
        <ol className="system-lines">
          {messages.slice(0, -1).map((message) => (
            <li key={message.id}>
              {message.body} <Timestamp iso={message.createdAt} />
            </li>
          ))}
        </ol>
      </details>
    </li>
  );
}

interface FileProps {
  /** The room's files by id, for `file` messages. */
  files: ReadonlyMap<string, FileInfo>;
  links: FileLinks | null;
  onOpenFile: (fileId: string) => void;
  /** Members' pictures by member id (URLs on this server); initials for the others. */
  pictures?: ReadonlyMap<string, string> | undefined;
  /** Takes the card off one of the person's own messages. */
  onRemovePreview?: ((message: Message) => void) | undefined;
}

function MessageItem({
  message,
  own,
  grouped,
  ended,
  files,
  links,
  onOpenFile,
  pictures,
  onRemovePreview,
}: {
  message: Message;
  own: boolean;
  grouped: boolean;
  ended: boolean;
} & FileProps) {
  if (message.type === 'system') {
    return (
      <li className="message system">
        <Body text={message.body} /> <Timestamp iso={message.createdAt} />
      </li>
    );
  }
  const classes = [
    'message',
    own ? 'own' : 'other',
    grouped ? 'grouped' : '',
    message.type === 'file' ? 'file' : '',
  ];
  return (
    <li className={classes.join(' ').trim()}>
      <div className={grouped ? 'meta visually-hidden' : 'meta'}>
        {!own && message.sender && (
          <Avatar
            memberId={message.sender.id}
            name={message.sender.displayName}
            picture={pictures?.get(message.sender.id)}
          />
        )}
        <span className="sender">{message.sender?.displayName ?? 'Someone'}</span>
        {own && <span className="visually-hidden"> (you)</span>}{' '}
        <Timestamp iso={message.createdAt} />
      </div>
      {message.type === 'file' ? (
        <FileAttachment
          name={message.body}
          file={message.fileId === undefined ? undefined : files.get(message.fileId)}
          links={links}
          onOpen={onOpenFile}
          ended={ended}
        />
      ) : (
        <Body text={message.body} />
      )}
      {message.preview && (
        <LinkCard
          preview={message.preview}
          onRemove={own && !ended && onRemovePreview ? () => onRemovePreview(message) : undefined}
        />
      )}
    </li>
  );
}

/** What an outbox message says about itself (the texts of API.md's "Web client"). */
const PENDING_STATE = {
  queued: 'Not sent yet',
  sending: 'Sending…',
  failed: 'Not sent',
} as const;

function PendingItem({
  message,
  me,
  ended,
  onRetry,
  onEdit,
}: {
  message: PendingMessage;
  me: Member;
  /** The room has ended: this message will never go out, and it says so. */
  ended: boolean;
  onRetry: (clientMsgId: string) => void;
  onEdit: (message: PendingMessage) => void;
}) {
  const failed = message.status === 'failed' && !ended;
  const classes = ended ? 'unsent' : message.status;
  return (
    <li className={`message own ${classes}`}>
      <div className="meta">
        <span className="sender">{me.displayName}</span>
        <span className="visually-hidden"> (you)</span>{' '}
        <span className="state">{ended ? 'Not sent' : PENDING_STATE[message.status]}</span>
      </div>
      <p className="body">{message.body}</p>
      {ended && <p className="unsent-note">The room ended before this was sent.</p>}
      {failed && (
        <div className="send-failure">
          <p role="alert">{message.error}</p>
          <button type="button" className="small" onClick={() => onRetry(message.clientMsgId)}>
            Retry
          </button>
          <button type="button" className="small quiet" onClick={() => onEdit(message)}>
            Edit
          </button>
        </div>
      )}
    </li>
  );
}

export interface MessageListProps extends FileProps {
  id?: string;
  messages: readonly Message[];
  pending: readonly PendingMessage[];
  me: Member;
  canLoadEarlier: boolean;
  loadingEarlier: boolean;
  historyError: string | null;
  onLoadEarlier: () => void;
  onRetry: (clientMsgId: string) => void;
  onEdit: (message: PendingMessage) => void;
  /** The room has ended: the list stays as it is, read-only, and unsent messages say so. */
  ended?: boolean;
}

/**
 * The region "Messages". Bodies are React text nodes, never HTML. It follows the newest message
 * unless the person has scrolled up to read, and keeps its place when older messages load above.
 */
export function MessageList(props: MessageListProps) {
  const { messages, pending, me } = props;
  const scroller = useRef<HTMLElement>(null);
  const stick = useRef(true);
  const [unseen, setUnseen] = useState(false);
  const previous = useRef({ firstSeq: 0, lastKey: '', pendingCount: 0, height: 0 });

  const lastKey = pending.at(-1)?.clientMsgId ?? messages.at(-1)?.id ?? '';
  const firstSeq = messages[0]?.seq ?? 0;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const before = previous.current;
    // Sending always brings the newest message into view.
    if (pending.length > before.pendingCount) stick.current = true;
    if (before.firstSeq !== 0 && firstSeq < before.firstSeq && lastKey === before.lastKey) {
      // Older messages were added above: keep the ones being read where they were.
      element.scrollTop += element.scrollHeight - before.height;
    } else if (stick.current) {
      element.scrollTop = element.scrollHeight;
    } else if (lastKey !== before.lastKey) {
      setUnseen(true);
    }
    previous.current = {
      firstSeq,
      lastKey,
      pendingCount: pending.length,
      height: element.scrollHeight,
    };
  }, [firstSeq, lastKey, messages, pending]);

  // A file message grows from its name into a picture once the room's file list knows the file.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [props.files]);

  // When the area shrinks (a phone keyboard opening), stay at the bottom if we were there.
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (stick.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_PX;
    if (stick.current) setUnseen(false);
  };

  const jumpToLatest = () => {
    const element = scroller.current;
    if (!element) return;
    stick.current = true;
    setUnseen(false);
    element.scrollTo({ top: element.scrollHeight, behavior: 'smooth' });
  };

  return (
    <div className="messages-frame">
      <section
        id={props.id}
        aria-label="Messages"
        className="messages"
        ref={scroller}
        onScroll={onScroll}
        tabIndex={0}
      >
        {props.canLoadEarlier && (
          <div className="load-earlier">
            <button
              type="button"
              className="small quiet"
              onClick={props.onLoadEarlier}
              disabled={props.loadingEarlier}
            >
              {props.loadingEarlier ? 'Loading…' : 'Load earlier messages'}
            </button>
          </div>
        )}
        {props.historyError && (
          <p className="history-error" role="alert">
            {props.historyError}
          </p>
        )}
        {messages.length === 0 && pending.length === 0 ? (
          <p className="empty">No messages yet. Say hello!</p>
        ) : (
          <ol className="message-list">
            {listEntries(messages).map((entry) =>
              entry.kind === 'system-run' ? (
                <SystemRun key={entry.messages[0]!.id} messages={entry.messages} />
              ) : (
                <MessageItem
                  key={entry.message.id}
                  message={entry.message}
                  own={entry.message.sender?.id === me.id}
                  grouped={continues(entry.previous, entry.message)}
                  files={props.files}
                  links={props.links}
                  onOpenFile={props.onOpenFile}
                  pictures={props.pictures}
                  onRemovePreview={props.onRemovePreview}
                  ended={props.ended ?? false}
                />
              ),
            )}
            {pending.map((message) => (
              <PendingItem
                key={message.clientMsgId}
                message={message}
                me={me}
                ended={props.ended ?? false}
                onRetry={props.onRetry}
                onEdit={props.onEdit}
              />
            ))}
          </ol>
        )}
      </section>
      {unseen && (
        <button type="button" className="jump-latest small" onClick={jumpToLatest}>
          New messages ↓
        </button>
      )}
    </div>
  );
}
