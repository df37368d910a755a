import { defaultKeymap, indentWithTab } from '@codemirror/commands';
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
  LanguageDescription,
} from '@codemirror/language';
import { languages } from '@codemirror/language-data';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { yCollab, ySyncAnnotation, yUndoManagerKeymap } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { NARROW_QUERY, useDarkTheme, useMediaQuery } from '../../lib/useMediaQuery.js';
import { exceedsCodeLimit } from './codeLimit.js';
import { editorTheme } from './editorTheme.js';
import { languageOption } from './languages.js';
import { remoteSelections } from './remoteSelections.js';

/**
 * CodeMirror's basic setup without its history (undo is the shared document's own, which only
 * undoes this person's edits) and without the packages the app does not depend on directly
 * (autocompletion, search panel, lint).
 */
const setup: Extension = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  foldGutter(),
  drawSelection(),
  dropCursor(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  bracketMatching(),
  rectangularSelection(),
  crosshairCursor(),
  highlightActiveLine(),
];

/** The highlighting for a language id, loaded on demand; nothing for plain text. */
async function loadLanguage(id: string): Promise<Extension> {
  const description = LanguageDescription.matchLanguageName(
    languages,
    languageOption(id).highlight,
    false,
  );
  if (!description) return [];
  try {
    return await description.load();
  } catch {
    return []; // A chunk that failed to load (offline): plain text still edits fine.
  }
}

export interface CodeEditorProps {
  id?: string;
  ytext: Y.Text;
  awareness: Awareness;
  undoManager: Y.UndoManager;
  language: string;
  /** False until the document has synced once, and while sharing has stopped. */
  editable: boolean;
  /** A local change was refused because the code would be over the size limit. */
  onTooLarge: () => void;
  /** Mod-Enter in the editor. */
  onRun: () => void;
}

/**
 * The shared editor: CodeMirror 6 bound to the room's `Y.Text` with y-codemirror.next.
 *
 * It lives in a shadow root because of the page's Content-Security-Policy (`style-src 'self'`):
 * CodeMirror's styles are generated at run time by style-mod, which writes them into a `<style>`
 * element in a document (blocked by the policy) but into a constructed stylesheet
 * (`adoptedStyleSheets`, allowed) in a shadow root. The page's CSS does not reach in; the
 * editor's look is all in editorTheme.ts.
 */
export function CodeEditor({
  id,
  ytext,
  awareness,
  undoManager,
  language,
  editable,
  onTooLarge,
  onRun,
}: CodeEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const compartments = useRef({
    language: new Compartment(),
    theme: new Compartment(),
    editable: new Compartment(),
    wrap: new Compartment(),
  });
  const dark = useDarkTheme();
  // A phone has no room to scroll sideways along a line: long lines wrap there.
  const narrow = useMediaQuery(NARROW_QUERY);
  const callbacks = useRef({ onTooLarge, onRun });
  useEffect(() => {
    callbacks.current = { onTooLarge, onRun };
  }, [onTooLarge, onRun]);

  // Read when a view is made; the effects below keep a view current afterwards.
  const initial = useRef({ dark, editable, narrow });
  useLayoutEffect(() => {
    initial.current = { dark, editable, narrow };
  });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const { theme, editable: editableSlot, language: languageSlot, wrap } = compartments.current;
    const view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: ytext.toJSON(),
        extensions: [
          setup,
          keymap.of([
            { key: 'Mod-Enter', run: () => (callbacks.current.onRun(), true) },
            ...yUndoManagerKeymap,
            ...defaultKeymap,
            ...foldKeymap,
            indentWithTab,
          ]),
          yCollab(ytext, null, { undoManager }),
          remoteSelections(ytext, awareness),
          // Changes from the others (ySync's transactions) always apply, or the editor would
          // drift from the document; only this person's own growth is held to the limit.
          EditorState.changeFilter.of((tr) => {
            if (tr.annotation(ySyncAnnotation) !== undefined) return true;
            if (tr.newDoc.length <= tr.startState.doc.length) return true;
            if (!exceedsCodeLimit(tr.newDoc.length)) return true;
            queueMicrotask(() => callbacks.current.onTooLarge());
            return false;
          }),
          EditorView.contentAttributes.of({ 'aria-label': 'Code editor' }),
          // Files dropped anywhere on the room are shared as files (useFileDrop), the editor
          // included; CodeMirror would also paste their text in.
          EditorView.domEventHandlers({
            drop: (event) => (event.dataTransfer?.files.length ?? 0) > 0,
          }),
          theme.of(editorTheme(initial.current.dark)),
          editableSlot.of(editability(initial.current.editable)),
          languageSlot.of([]),
          wrap.of(wrapping(initial.current.narrow)),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, [ytext, awareness, undoManager]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: compartments.current.theme.reconfigure(editorTheme(dark)),
    });
  }, [dark]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: compartments.current.editable.reconfigure(editability(editable)),
    });
  }, [editable]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: compartments.current.wrap.reconfigure(wrapping(narrow)),
    });
  }, [narrow]);

  useEffect(() => {
    let current = true;
    void loadLanguage(language).then((support) => {
      if (current) {
        viewRef.current?.dispatch({
          effects: compartments.current.language.reconfigure(support),
        });
      }
    });
    return () => {
      current = false;
    };
  }, [language, ytext]);

  return <div ref={hostRef} id={id} className="code-editor" />;
}

function editability(editable: boolean): Extension {
  return [EditorView.editable.of(editable), EditorState.readOnly.of(!editable)];
}

function wrapping(narrow: boolean): Extension {
  return narrow ? EditorView.lineWrapping : [];
}
