/**
 * The other editors' cursors and selections, with their names: y-codemirror.next's
 * `yRemoteSelections`, adapted for Roomkit's Content-Security-Policy (`style-src 'self'`) and
 * for small screens.
 *
 * The original caret widget sets its colour with `setAttribute('style', …)`, which the policy
 * blocks (a `style-src-attr` violation, and a colourless caret). Here colours go through the
 * CSSOM (`element.style`, and CodeMirror's own `style.cssText` for mark attributes), which the
 * policy allows. Colours and names come from other clients, so they are checked first: a colour
 * must be a hex colour and a name is cut to the length of a display name.
 *
 * The original floats each name over the line above the cursor, where it hides code. Here a
 * thin bar in a gutter of its own marks the line each person is on, and their name shows there,
 * over the line numbers, while they type (for a moment after their last change) or while the
 * pointer is on their cursor. Names and carets are hidden from screen readers: the code they
 * read is only the code.
 *
 * Adapted from y-codemirror.next 0.3 `src/y-remote-selections.js` (MIT, Kevin Jahns); the class
 * names and the theme (`yRemoteSelectionsTheme`) are the original's.
 */
import { Annotation, RangeSet, type Extension, type Range, type Text } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  gutter,
  GutterMarker,
  ViewPlugin,
  WidgetType,
  type DecorationSet,
  type PluginValue,
  type ViewUpdate,
} from '@codemirror/view';
import { yRemoteSelectionsTheme } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

const FALLBACK_COLOR = '#30bced';
/** How long a name shows after that person's last change (and while pointed at). */
const LABEL_MS = 2_000;
const MAX_NAME_LENGTH = 40;
const HEX_COLOR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** What another client put in its awareness `user` field, made safe to draw. */
export function remoteUser(state: unknown): { name: string; color: string; colorLight: string } {
  const user =
    typeof state === 'object' && state !== null && 'user' in state ? state.user : undefined;
  const field = (key: string): unknown =>
    typeof user === 'object' && user !== null && key in user
      ? (user as Record<string, unknown>)[key]
      : undefined;
  const rawName = field('name');
  const rawColor = field('color');
  const rawLight = field('colorLight');
  const name =
    typeof rawName === 'string' && rawName.trim() ? rawName.slice(0, MAX_NAME_LENGTH) : 'Anonymous';
  const color =
    typeof rawColor === 'string' && HEX_COLOR.test(rawColor) ? rawColor : FALLBACK_COLOR;
  const colorLight =
    typeof rawLight === 'string' && HEX_COLOR.test(rawLight)
      ? rawLight
      : color.length === 7
        ? `${color}33`
        : color;
  return { name, color, colorLight };
}

interface Cursor {
  anchor: unknown;
  head: unknown;
}

function cursorOf(state: unknown): Cursor | null {
  if (typeof state !== 'object' || state === null || !('cursor' in state)) return null;
  const { cursor } = state;
  if (typeof cursor !== 'object' || cursor === null) return null;
  if (!('anchor' in cursor) || !('head' in cursor) || !cursor.anchor || !cursor.head) return null;
  return cursor;
}

function absolute(relative: unknown, doc: Y.Doc, ytext: Y.Text): number | null {
  try {
    const position = Y.createAbsolutePositionFromRelativePosition(
      Y.createRelativePositionFromJSON(relative),
      doc,
    );
    return position && position.type === ytext ? position.index : null;
  } catch {
    return null; // Malformed JSON from another client.
  }
}

/** Someone else's cursor, resolved in the editor's text. */
export interface RemoteCursor {
  clientId: number;
  anchor: number;
  head: number;
  name: string;
  color: string;
  colorLight: string;
}

/**
 * Everyone else's cursor in `ytext`, at positions inside `text` (the editor's copy of it).
 * States of this client, without a cursor, or whose positions do not resolve inside `text`
 * (they are ahead of what the editor has applied yet) are left out.
 */
export function remoteCursors(
  text: Text,
  states: ReadonlyMap<number, unknown>,
  ytext: Y.Text,
): RemoteCursor[] {
  const doc = ytext.doc;
  if (!doc) return [];
  const cursors: RemoteCursor[] = [];
  states.forEach((state, clientId) => {
    if (clientId === doc.clientID) return;
    const cursor = cursorOf(state);
    if (!cursor) return;
    const anchor = absolute(cursor.anchor, doc, ytext);
    const head = absolute(cursor.head, doc, ytext);
    if (anchor === null || head === null || anchor > text.length || head > text.length) return;
    cursors.push({ clientId, anchor, head, ...remoteUser(state) });
  });
  return cursors;
}

const selectionMark = (colorLight: string) =>
  Decoration.mark({
    attributes: { style: `background-color: ${colorLight}` },
    class: 'cm-ySelection',
  });

const selectedLine = (colorLight: string) =>
  Decoration.line({
    attributes: { style: `background-color: ${colorLight}`, class: 'cm-yLineSelection' },
  });

/**
 * The selection `from`…`to` of `text`: a mark over its part of the first and of the last line,
 * a background on each line between. A part may be empty (a selection that starts at the end
 * of a line, or ends where one starts: select-all over code ending in a newline); CodeMirror
 * refuses an empty mark, so that part draws nothing.
 */
function selectionRanges(text: Text, from: number, to: number, colorLight: string) {
  const ranges: Range<Decoration>[] = [];
  if (from >= to) return ranges;
  const first = text.lineAt(from);
  const last = text.lineAt(to);
  const mark = (start: number, end: number) => {
    if (start < end) ranges.push(selectionMark(colorLight).range(start, end));
  };
  if (first.number === last.number) {
    mark(from, to);
    return ranges;
  }
  mark(from, first.to);
  for (let line = first.number + 1; line < last.number; line++) {
    ranges.push(selectedLine(colorLight).range(text.line(line).from));
  }
  mark(last.from, to);
  return ranges;
}

/**
 * The selections and carets of `cursors` in `text`. `onHover` hears when the pointer enters
 * or leaves a caret.
 */
export function remoteSelectionDecorations(
  text: Text,
  cursors: readonly RemoteCursor[],
  onHover: (clientId: number, hovering: boolean) => void = () => {},
): DecorationSet {
  const decorations: Range<Decoration>[] = [];
  for (const { clientId, anchor, head, color, colorLight } of cursors) {
    decorations.push(
      ...selectionRanges(text, Math.min(anchor, head), Math.max(anchor, head), colorLight),
    );
    decorations.push(
      Decoration.widget({
        // The local cursor is drawn outside the remote selection.
        side: head - anchor > 0 ? -1 : 1,
        widget: new RemoteCaret(color, (hovering) => onHover(clientId, hovering)),
      }).range(head),
    );
  }
  return Decoration.set(decorations, true);
}

class RemoteCaret extends WidgetType {
  constructor(
    readonly color: string,
    readonly onHover: (hovering: boolean) => void,
  ) {
    super();
  }

  override toDOM(view: EditorView): HTMLElement {
    const document = view.dom.ownerDocument;
    const caret = document.createElement('span');
    caret.className = 'cm-ySelectionCaret';
    caret.setAttribute('aria-hidden', 'true');
    caret.style.backgroundColor = this.color;
    caret.style.borderColor = this.color;
    const dot = document.createElement('span');
    dot.className = 'cm-ySelectionCaretDot';
    // Word joiners keep the caret from being a line-break opportunity, as in the original.
    caret.append('\u2060', dot, '\u2060');
    caret.addEventListener('pointerenter', () => this.onHover(true));
    caret.addEventListener('pointerleave', () => this.onHover(false));
    return caret;
  }

  override eq(other: RemoteCaret): boolean {
    return other.color === this.color;
  }

  override get estimatedHeight(): number {
    return -1;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

/** One person's name in the gutter. */
export interface NameTag {
  name: string;
  color: string;
  /** Typing now (until this time), or pointed at: the name shows. */
  shownUntil: number | 'hover' | null;
}

/** The bar and the names beside one line: everyone whose cursor is on it. */
class NamesMarker extends GutterMarker {
  constructor(readonly tags: readonly NameTag[]) {
    super();
  }

  override eq(other: NamesMarker): boolean {
    return (
      other.tags.length === this.tags.length &&
      other.tags.every((tag, i) => {
        const mine = this.tags[i];
        return (
          mine !== undefined &&
          tag.name === mine.name &&
          tag.color === mine.color &&
          tag.shownUntil === mine.shownUntil
        );
      })
    );
  }

  override toDOM(view: EditorView): Node {
    const document = view.dom.ownerDocument;
    const box = document.createElement('span');
    box.className = 'cm-yNames';
    const bar = document.createElement('span');
    bar.className = 'cm-yNameBar';
    bar.style.backgroundColor = this.tags[0]?.color ?? FALLBACK_COLOR;
    const labels = document.createElement('span');
    labels.className = 'cm-yNameLabels';
    for (const tag of this.tags) {
      const label = document.createElement('span');
      label.className =
        tag.shownUntil === 'hover'
          ? 'cm-yName cm-yNameHover'
          : tag.shownUntil === null
            ? 'cm-yName'
            : 'cm-yName cm-yNameTyping';
      label.style.backgroundColor = tag.color;
      label.textContent = tag.name;
      labels.append(label);
    }
    // The names first: placed absolutely, they start from where they would be, the line's top.
    box.append(labels, bar);
    return box;
  }
}

/** The gutter markers for `cursors`: one per line that has someone's cursor (its head). */
export function nameMarkers(
  text: Text,
  cursors: readonly RemoteCursor[],
  shownUntil: (clientId: number) => NameTag['shownUntil'],
): RangeSet<GutterMarker> {
  const byLine = new Map<number, NameTag[]>();
  for (const { clientId, head, name, color } of cursors) {
    const from = text.lineAt(head).from;
    const tags = byLine.get(from) ?? [];
    tags.push({ name, color, shownUntil: shownUntil(clientId) });
    byLine.set(from, tags);
  }
  return RangeSet.of(
    [...byLine].map(([from, tags]) => new NamesMarker(tags).range(from)),
    true,
  );
}

/**
 * The names sit over the line numbers, to the left of the bar, never over the code: they are
 * placed in the whole gutters' box (the nearest positioned one), from its left edge to the bar,
 * and a name too long for that is cut short.
 */
const namesTheme = EditorView.baseTheme({
  // Gutters clip what overflows them; the names reach over the line numbers.
  '.cm-gutter.cm-yNameGutter': { width: '5px', overflow: 'visible' },
  '.cm-yNameGutter .cm-gutterElement': { padding: '0' },
  '.cm-yNames': { display: 'block', height: '100%', pointerEvents: 'none' },
  '.cm-yNameBar': {
    display: 'block',
    height: '100%',
    width: '3px',
    marginLeft: '1px',
    borderRadius: '2px',
  },
  '.cm-yNameLabels': {
    position: 'absolute',
    left: '0',
    right: '6px',
    display: 'flex',
    justifyContent: 'flex-end',
    gap: '2px',
    overflow: 'hidden',
  },
  '.cm-yName': {
    flex: '0 1 auto',
    minWidth: '0',
    maxWidth: '8em',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    padding: '0 2px',
    borderRadius: '3px',
    fontSize: '0.7em',
    lineHeight: '1.5',
    fontFamily: 'system-ui, sans-serif',
    color: 'white',
    opacity: '0',
    userSelect: 'none',
  },
  '.cm-yNameHover': { opacity: '1' },
  // Shown at once, faded out by the end of LABEL_MS.
  '.cm-yNameTyping': { animation: `cm-yNameFade ${LABEL_MS}ms linear forwards` },
  '@keyframes cm-yNameFade': {
    '0%': { opacity: '1' },
    '75%': { opacity: '1' },
    '100%': { opacity: '0' },
  },
  '@media (prefers-reduced-motion: reduce)': {
    '.cm-yNameTyping': { animation: 'none', opacity: '1' },
  },
});

const remoteChange = Annotation.define<null>();

/**
 * Publishes this editor's selection in the awareness `cursor` field and draws everyone else's.
 * `ytext` must be the text the editor is bound to with `yCollab`.
 */
export function remoteSelections(ytext: Y.Text, awareness: Awareness): Extension {
  const maybeDoc = ytext.doc;
  if (!maybeDoc) throw new Error('remoteSelections: the Y.Text is not in a document');
  const doc: Y.Doc = maybeDoc;
  /** Until when each client's name shows, from its last change. */
  const typingUntil = new Map<number, number>();
  let hovered: number | null = null;
  const shownUntil = (clientId: number): NameTag['shownUntil'] => {
    if (clientId === hovered) return 'hover';
    const until = typingUntil.get(clientId) ?? 0;
    return until > Date.now() ? until : null;
  };

  class Plugin implements PluginValue {
    decorations: DecorationSet = Decoration.none;
    private labelTimer: ReturnType<typeof setTimeout> | undefined;
    private readonly onChange: (changes: {
      added: number[];
      updated: number[];
      removed: number[];
    }) => void;
    private readonly onHover: (clientId: number, hovering: boolean) => void;

    constructor(view: EditorView) {
      const redraw = () => view.dispatch({ annotations: [remoteChange.of(null)] });
      this.onChange = ({ added, updated, removed }) => {
        const moved = [...added, ...updated].filter((id) => id !== doc.clientID);
        for (const id of moved) typingUntil.set(id, Date.now() + LABEL_MS);
        for (const id of removed) typingUntil.delete(id);
        if (moved.length === 0 && removed.every((id) => id === doc.clientID)) return;
        redraw();
        // Draw again when the names should go.
        clearTimeout(this.labelTimer);
        this.labelTimer = setTimeout(redraw, LABEL_MS + 50);
      };
      this.onHover = (clientId, hovering) => {
        const next = hovering ? clientId : hovered === clientId ? null : hovered;
        if (next === hovered) return;
        hovered = next;
        redraw();
      };
      awareness.on('change', this.onChange);
      this.draw(view.state.doc);
    }

    destroy(): void {
      clearTimeout(this.labelTimer);
      awareness.off('change', this.onChange);
    }

    update(update: ViewUpdate): void {
      this.publish(update);
      this.draw(update.state.doc);
    }

    private draw(text: Text): void {
      const cursors = remoteCursors(text, awareness.getStates(), ytext);
      this.decorations = remoteSelectionDecorations(text, cursors, this.onHover);
    }

    private publish(update: ViewUpdate): void {
      const local = awareness.getLocalState();
      if (local === null) return;
      const hasFocus = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
      const current = cursorOf(local);
      if (hasFocus) {
        const { anchor, head } = update.state.selection.main;
        const next = {
          anchor: Y.createRelativePositionFromTypeIndex(ytext, anchor),
          head: Y.createRelativePositionFromTypeIndex(ytext, head),
        };
        const same =
          current !== null &&
          Y.compareRelativePositions(
            Y.createRelativePositionFromJSON(current.anchor),
            next.anchor,
          ) &&
          Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), next.head);
        if (!same) awareness.setLocalStateField('cursor', next);
      }
    }
  }

  return [
    yRemoteSelectionsTheme,
    namesTheme,
    ViewPlugin.fromClass(Plugin, { decorations: (v) => v.decorations }),
    gutter({
      class: 'cm-yNameGutter',
      // Read from the text as it is now: the gutters may update before this plugin does.
      markers: (view) =>
        nameMarkers(
          view.state.doc,
          remoteCursors(view.state.doc, awareness.getStates(), ytext),
          shownUntil,
        ),
    }),
  ];
}
