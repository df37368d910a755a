import type { KeyboardEvent, ReactNode } from 'react';

export type RoomViewName = 'call' | 'chat' | 'files' | 'code';

const labels: Record<RoomViewName, string> = {
  call: 'Call',
  chat: 'Chat',
  files: 'Files',
  code: 'Code',
};

/**
 * Tabs over the room's main column: on phones the chat, the gallery and the shared code take
 * turns; on wide screens (where the gallery is in the sidebar) the chat and the code, which
 * keeps the chat beside it. While the member is in a call, the call is a tab of its own. ← and → move between the tabs, as in every tab list. `children`
 * sit at the end of the bar, outside the tab list.
 */
export function ViewTabs({
  views,
  view,
  onChange,
  fileCount,
  panelIds,
  children,
}: {
  views: readonly RoomViewName[];
  view: RoomViewName;
  onChange: (view: RoomViewName) => void;
  fileCount: number;
  panelIds: Record<RoomViewName, string>;
  children?: ReactNode;
}) {
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const step = event.key === 'ArrowRight' ? 1 : -1;
    const next = views[(views.indexOf(view) + step + views.length) % views.length] ?? view;
    onChange(next);
    event.currentTarget.parentElement
      ?.querySelector<HTMLButtonElement>(`[data-view="${next}"]`)
      ?.focus();
  };
  return (
    <div className="view-bar">
      <div className="view-tabs" role="tablist" aria-label="Show">
        {views.map((name) => (
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
            {labels[name]}
            {name === 'files' && fileCount > 0 && <span className="count">{fileCount}</span>}
          </button>
        ))}
      </div>
      {children}
    </div>
  );
}
