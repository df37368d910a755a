import type { KeyboardEvent, ReactNode } from 'react';

/**
 * A download as a real link (so "Save link as…", middle-click and long-press keep working) that
 * presents itself as a button, which is what it looks like and does. Buttons also answer Space.
 */
export function DownloadLink({
  href,
  fileName,
  label,
  className,
  children,
}: {
  href: string;
  fileName: string;
  /** The accessible name when it must say more than the visible text. */
  label?: string;
  className?: string;
  children: ReactNode;
}) {
  const onKeyDown = (event: KeyboardEvent<HTMLAnchorElement>) => {
    if (event.key === ' ') {
      event.preventDefault();
      event.currentTarget.click();
    }
  };
  return (
    <a
      href={href}
      download={fileName}
      role="button"
      aria-label={label}
      className={className ? `button-link ${className}` : 'button-link'}
      onKeyDown={onKeyDown}
    >
      {children}
    </a>
  );
}
