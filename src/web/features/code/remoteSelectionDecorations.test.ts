import { EditorSelection, EditorState, type Text } from '@codemirror/state';
import { Decoration, type DecorationSet } from '@codemirror/view';
import { describe, expect, it } from 'vitest';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { nameMarkers, remoteCursors, remoteSelectionDecorations } from './remoteSelections.js';

/**
 * Two members on one shared text, as in a room: the documents exchange their updates and the
 * awareness (with the other member's selection) travels as the protocol's own update.
 */
function twoMembers(initial: string) {
  const phone = new Y.Doc();
  const other = new Y.Doc();
  phone.on('update', (update: Uint8Array) => Y.applyUpdate(other, update));
  other.on('update', (update: Uint8Array) => Y.applyUpdate(phone, update));
  const phoneText = phone.getText('code');
  const otherText = other.getText('code');
  phoneText.insert(0, initial);
  const phoneAwareness = new Awareness(phone);
  const otherAwareness = new Awareness(other);
  otherAwareness.setLocalStateField('user', { name: 'Grace', color: '#087f5b' });

  /** The other member selects `anchor`…`head` of the text as they see it. */
  const otherSelects = (anchor: number, head: number) => {
    otherAwareness.setLocalStateField('cursor', {
      anchor: Y.createRelativePositionFromTypeIndex(otherText, anchor),
      head: Y.createRelativePositionFromTypeIndex(otherText, head),
    });
    applyAwarenessUpdate(
      phoneAwareness,
      encodeAwarenessUpdate(otherAwareness, [other.clientID]),
      'remote',
    );
  };
  const destroy = () => {
    phoneAwareness.destroy();
    otherAwareness.destroy();
    phone.destroy();
    other.destroy();
  };
  return { phoneText, otherText, phoneAwareness, otherSelects, destroy };
}

function draw(text: Text, awareness: Awareness, ytext: Y.Text): DecorationSet {
  return remoteSelectionDecorations(text, remoteCursors(text, awareness.getStates(), ytext));
}

/** Every decoration as [from, to, kind]. */
function spans(set: DecorationSet): [number, number, string][] {
  const out: [number, number, string][] = [];
  set.between(0, Number.MAX_SAFE_INTEGER, (from, to, value) => {
    const kind = value.spec.widget
      ? 'caret'
      : value.spec.class === 'cm-ySelection'
        ? 'mark'
        : 'line';
    out.push([from, to, kind]);
  });
  return out;
}

describe('remoteSelectionDecorations', () => {
  it('draws a selection of whole lines (ending where a line starts) without an empty mark', () => {
    const code = "print('a')\nprint('b')\n";
    const room = twoMembers(code);
    const state = EditorState.create({ doc: room.phoneText.toJSON() });
    room.otherSelects(0, code.length); // Select all: ends at the start of the empty last line.
    expect(spans(draw(state.doc, room.phoneAwareness, room.phoneText))).toEqual([
      [0, 10, 'mark'],
      [11, 11, 'line'],
      [22, 22, 'caret'],
    ]);
    room.destroy();
  });

  it('draws a selection that starts at the end of a line', () => {
    const room = twoMembers('one\ntwo\nthree');
    const state = EditorState.create({ doc: room.phoneText.toJSON() });
    room.otherSelects(3, 6);
    expect(spans(draw(state.doc, room.phoneAwareness, room.phoneText))).toEqual([
      [4, 6, 'mark'],
      [6, 6, 'caret'],
    ]);
    room.destroy();
  });

  it('survives select-all and delete on the phone while the other member has text selected', () => {
    const code = 'const a = 1;\nconst b = 2;\nconsole.log(a + b);\n';
    const room = twoMembers(code);
    room.otherSelects(6, 30);
    let state = EditorState.create({ doc: room.phoneText.toJSON() });
    expect(() => draw(state.doc, room.phoneAwareness, room.phoneText)).not.toThrow();

    // The phone selects everything and deletes it; the binding passes the change to the text.
    state = state.update({ selection: EditorSelection.single(0, state.doc.length) }).state;
    const deleted = state.update(state.replaceSelection(''));
    expect(deleted.state.doc.length).toBe(0);
    // Drawn both before the shared text has the change and after it.
    expect(spans(draw(deleted.state.doc, room.phoneAwareness, room.phoneText))).toEqual([]);
    room.phoneText.delete(0, room.phoneText.length);
    expect(room.otherText.length).toBe(0);
    expect(spans(draw(deleted.state.doc, room.phoneAwareness, room.phoneText))).toEqual([
      [0, 0, 'caret'],
    ]);
    room.destroy();
  });

  it('draws nothing for a selection past the end of the editor’s text', () => {
    const room = twoMembers('short\nlonger line\n');
    room.otherSelects(2, 17);
    const stale = EditorState.create({ doc: 'short' });
    expect(spans(draw(stale.doc, room.phoneAwareness, room.phoneText))).toEqual([]);
    room.destroy();
  });

  it('draws no mark for an empty selection, only the caret', () => {
    const room = twoMembers('abc\n');
    room.otherSelects(4, 4);
    const state = EditorState.create({ doc: room.phoneText.toJSON() });
    const set = draw(state.doc, room.phoneAwareness, room.phoneText);
    expect(spans(set)).toEqual([[4, 4, 'caret']]);
    expect(set).not.toBe(Decoration.none);
    room.destroy();
  });

  it('puts each name beside the line of that person’s cursor, shown only while they type', () => {
    const room = twoMembers('first\nsecond\n');
    room.otherSelects(0, 9); // Head on line 2.
    const state = EditorState.create({ doc: room.phoneText.toJSON() });
    const cursors = remoteCursors(state.doc, room.phoneAwareness.getStates(), room.phoneText);
    const lines = (shown: number | 'hover' | null) => {
      const out: [number, unknown][] = [];
      nameMarkers(state.doc, cursors, () => shown).between(0, state.doc.length, (from, _, m) => {
        out.push([from, (m as unknown as { tags: unknown }).tags]);
      });
      return out;
    };
    expect(lines(null)).toEqual([[6, [{ name: 'Grace', color: '#087f5b', shownUntil: null }]]]);
    expect(lines('hover')).toEqual([
      [6, [{ name: 'Grace', color: '#087f5b', shownUntil: 'hover' }]],
    ]);
    room.destroy();
  });
});
