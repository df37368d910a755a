import type { KeyboardEvent } from 'react';

export type RoomViewName = 'chat' | 'files';

const views: { name: RoomViewName; label: string }[] = [
  { name: 'chat', label: 'Chat' },
  { name: 'files', label: 'Files' },
];

/**
 * On phones the chat and the gallery share the screen: two tabs switch between them (← and →
 * move between the tabs, as in every tab list).
 */
export function ViewTabs({
  view,
  onChange,
  fileCount,
  panelIds,
}: {
  view: RoomViewName;
  onChange: (view: RoomViewName) => void;
  fileCount: number;
  panelIds: Record<RoomViewName, string>;
}) {
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next = view === 'chat' ? 'files' : 'chat';
    onChange(next);
    event.currentTarget.parentElement
      ?.querySelector<HTMLButtonElement>(`[data-view="${next}"]`)
      ?.focus();
  };
  return (
    <div className="view-tabs" role="tablist" aria-label="Show">
      {views.map(({ name, label }) => (
        <button
          key={name}
          type="button"
          role="tab"
          data-view={name}
          aria-selected={view === name}
          aria-controls={panelIds[name]}
          tabIndex={view === name ? 0 : -1}
          onClick={() => onChange(name)}
          onKeyDown={onKeyDown}
        >
          {label}
          {name === 'files' && fileCount > 0 && <span className="count">{fileCount}</span>}
        </button>
      ))}
    </div>
  );
}
