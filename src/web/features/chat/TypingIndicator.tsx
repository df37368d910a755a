import type { MemberPresence } from '../../../protocol/schemas.js';

function sentence(names: string[]): string {
  const [first, second] = names;
  if (first === undefined) return '';
  if (names.length === 1) return `${first} is typing…`;
  if (names.length === 2) return `${first} and ${second} are typing…`;
  return 'Several people are typing…';
}

/** "Ada is typing…" for the members whose indicator has not lapsed. */
export function TypingIndicator({
  typing,
  members,
}: {
  typing: Readonly<Record<string, number>>;
  members: readonly MemberPresence[];
}) {
  const names = members.filter((member) => member.id in typing).map((member) => member.displayName);
  return (
    <p className="typing" aria-live="polite">
      {sentence(names)}
    </p>
  );
}
