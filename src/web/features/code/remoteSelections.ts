/**
 * The other editors' cursors and selections, labelled with their names: y-codemirror.next's
 * `yRemoteSelections`, adapted for Roomkit's Content-Security-Policy (`style-src 'self'`).
 *
 * The original caret widget sets its colour with `setAttribute('style', …)`, which the policy
 * blocks (a `style-src-attr` violation, and a colourless caret). Here colours go through the
 * CSSOM (`element.style`, and CodeMirror's own `style.cssText` for mark attributes), which the
 * policy allows. Colours and names come from other clients, so they are checked first: a colour
 * must be a hex colour and a name is cut to the length of a display name.
 *
 * Adapted from y-codemirror.next 0.3 `src/y-remote-selections.js` (MIT, Kevin Jahns); the class
 * names and the theme (`yRemoteSelectionsTheme`) are the original's.
 */
import { Annotation, type Extension, type Range } from '@codemirror/state';
import {
  Decoration,
  ViewPlugin,
  WidgetType,
  type DecorationSet,
  type EditorView,
  type PluginValue,
  type ViewUpdate,
} from '@codemirror/view';
import { yRemoteSelectionsTheme } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

const FALLBACK_COLOR = '#30bced';
/** How long a name shows over a cursor after it moved (and on hover at any time). */
const LABEL_MS = 3_000;
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

class RemoteCaret extends WidgetType {
  constructor(
    readonly color: string,
    readonly name: string,
    /** Moved a moment ago: the name shows. */
    readonly active: boolean,
  ) {
    super();
  }

  override toDOM(view: EditorView): HTMLElement {
    const document = view.dom.ownerDocument;
    const caret = document.createElement('span');
    caret.className = this.active ? 'cm-ySelectionCaret cm-yActive' : 'cm-ySelectionCaret';
    caret.style.backgroundColor = this.color;
    caret.style.borderColor = this.color;
    const dot = document.createElement('div');
    dot.className = 'cm-ySelectionCaretDot';
    const info = document.createElement('div');
    info.className = 'cm-ySelectionInfo';
    info.textContent = this.name;
    // Word joiners keep the caret from being a line-break opportunity, as in the original.
    caret.append('\u2060', dot, '\u2060', info, '\u2060');
    return caret;
  }

  override eq(other: RemoteCaret): boolean {
    return other.color === this.color && other.name === this.name && other.active === this.active;
  }

  override get estimatedHeight(): number {
    return -1;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

const remoteChange = Annotation.define<null>();

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

const selectionMark = (colorLight: string) =>
  Decoration.mark({
    attributes: { style: `background-color: ${colorLight}` },
    class: 'cm-ySelection',
  });

/**
 * Publishes this editor's selection in the awareness `cursor` field and draws everyone else's.
 * `ytext` must be the text the editor is bound to with `yCollab`.
 */
export function remoteSelections(ytext: Y.Text, awareness: Awareness): Extension {
  const maybeDoc = ytext.doc;
  if (!maybeDoc) throw new Error('remoteSelections: the Y.Text is not in a document');
  const doc: Y.Doc = maybeDoc;

  class Plugin implements PluginValue {
    decorations: DecorationSet = Decoration.none;
    /** Until when each client's name shows, from its last move. */
    private readonly labelUntil = new Map<number, number>();
    private labelTimer: ReturnType<typeof setTimeout> | undefined;
    private readonly onChange: (changes: {
      added: number[];
      updated: number[];
      removed: number[];
    }) => void;

    constructor(view: EditorView) {
      this.onChange = ({ added, updated, removed }) => {
        const moved = [...added, ...updated].filter((id) => id !== doc.clientID);
        for (const id of moved) this.labelUntil.set(id, Date.now() + LABEL_MS);
        for (const id of removed) this.labelUntil.delete(id);
        if (moved.length === 0 && removed.every((id) => id === doc.clientID)) return;
        view.dispatch({ annotations: [remoteChange.of(null)] });
        // Draw again when the names should go.
        clearTimeout(this.labelTimer);
        this.labelTimer = setTimeout(
          () => view.dispatch({ annotations: [remoteChange.of(null)] }),
          LABEL_MS + 50,
        );
      };
      awareness.on('change', this.onChange);
    }

    destroy(): void {
      clearTimeout(this.labelTimer);
      awareness.off('change', this.onChange);
    }

    update(update: ViewUpdate): void {
      this.publish(update);
      this.decorations = this.draw(update);
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

    private draw(update: ViewUpdate): DecorationSet {
      const decorations: Range<Decoration>[] = [];
      const text = update.state.doc;
      const now = Date.now();
      awareness.getStates().forEach((state, clientId) => {
        if (clientId === doc.clientID) return;
        const cursor = cursorOf(state);
        if (!cursor) return;
        const anchor = absolute(cursor.anchor, doc, ytext);
        const head = absolute(cursor.head, doc, ytext);
        if (anchor === null || head === null || anchor > text.length || head > text.length) return;
        const { name, color, colorLight } = remoteUser(state);
        const start = Math.min(anchor, head);
        const end = Math.max(anchor, head);
        const startLine = text.lineAt(start);
        const endLine = text.lineAt(end);
        if (start !== end) {
          if (startLine.number === endLine.number) {
            decorations.push(selectionMark(colorLight).range(start, end));
          } else {
            decorations.push(selectionMark(colorLight).range(start, startLine.to));
            decorations.push(selectionMark(colorLight).range(endLine.from, end));
            for (let line = startLine.number + 1; line < endLine.number; line++) {
              const from = text.line(line).from;
              decorations.push(
                Decoration.line({
                  attributes: {
                    style: `background-color: ${colorLight}`,
                    class: 'cm-yLineSelection',
                  },
                }).range(from),
              );
            }
          }
        }
        decorations.push(
          Decoration.widget({
            // The local cursor is drawn outside the remote selection.
            side: head - anchor > 0 ? -1 : 1,
            widget: new RemoteCaret(color, name, (this.labelUntil.get(clientId) ?? 0) > now),
          }).range(head),
        );
      });
      return Decoration.set(decorations, true);
    }
  }

  return [
    yRemoteSelectionsTheme,
    ViewPlugin.fromClass(Plugin, { decorations: (v) => v.decorations }),
  ];
}
