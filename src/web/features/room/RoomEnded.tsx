import { useEffect, useRef } from 'react';
import type { FileInfo, Message } from '../../../protocol/schemas.js';
import { Link } from '../../components/Link.js';
import type { PendingMessage } from '../chat/messages.js';
import { describeReason } from './Banners.js';
import { conversationFileName, conversationMarkdown } from './conversationExport.js';
import { ENDED_HERE } from './roomReducer.js';
import '../../styles/roomStatus.css';

/** What "Save conversation" writes: everything the page holds. */
export interface PageContent {
  roomName: string;
  messages: readonly Message[];
  files: ReadonlyMap<string, FileInfo>;
  outbox: readonly PendingMessage[];
  me: string;
  draft: string;
}

function download(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/markdown;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the link; the URL is released once it has been read.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * At the top of a room that has ended (or whose session has): why, a way home, and "Save
 * conversation", which downloads what the page holds as Markdown. The conversation itself stays
 * on the page, read-only.
 */
export function RoomEndedBanner({
  reason,
  content,
  onJoinAgain,
  homeLink = true,
}: {
  reason: string;
  content: PageContent;
  /** For a session that ended in a room that goes on: ask for a name again. */
  onJoinAgain: () => void;
  /** False in a room embedded in another site, which has no Roomkit home to go to. */
  homeLink?: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus moves here, so a keyboard or screen reader user learns at once what happened.
  useEffect(() => heading.current?.focus(), []);
  const sessionOnly = reason === ENDED_HERE.sessionEnded;
  const removed = reason === 'kicked';
  const signedOut = reason === 'signed_out';
  const sentence = describeReason(reason);

  const save = () => {
    const savedAt = new Date();
    const text = conversationMarkdown({
      ...content,
      savedAt,
      ended: sessionOnly || removed || signedOut ? null : sentence,
    });
    download(text, conversationFileName(content.roomName, savedAt));
  };

  return (
    <section className="room-ended" aria-labelledby="room-ended-heading">
      <h2 id="room-ended-heading" ref={heading} tabIndex={-1}>
        {removed
          ? 'You were removed from this room'
          : signedOut
            ? 'You were signed out'
            : sessionOnly
              ? 'You are no longer in this room'
              : 'This room has ended'}
      </h2>
      <p>
        {sentence} What you see below stays on this page, read-only, until you leave it: save it to
        keep it.
      </p>
      <div className="room-ended-actions">
        <button type="button" className="primary small" onClick={save}>
          Save conversation
        </button>
        {sessionOnly && (
          <button type="button" className="small" onClick={onJoinAgain}>
            Join again
          </button>
        )}
        {homeLink && <Link href="/">Go to the home page</Link>}
      </div>
    </section>
  );
}
