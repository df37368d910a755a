/**
 * The editor's light and dark themes. The chrome takes the page's design tokens (base.css), which
 * reach into the editor's shadow root because custom properties inherit; the syntax colours are
 * CodeMirror's default palette, and for dark backgrounds the same palette made lighter.
 */
import type { Extension } from '@codemirror/state';
import { defaultHighlightStyle, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorView } from '@codemirror/view';

function chrome(dark: boolean): Extension {
  return EditorView.theme(
    {
      '&': {
        height: '100%',
        color: 'var(--text)',
        backgroundColor: 'var(--surface)',
        // 16px or more, or iOS zooms in when the editor takes focus.
        fontSize: '16px',
      },
      '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '-2px' },
      '.cm-scroller': {
        fontFamily: 'var(--mono)',
        lineHeight: '1.55',
        overscrollBehavior: 'contain',
      },
      '.cm-content': { padding: '0.5rem 0', caretColor: 'var(--text)' },
      '.cm-cursor, .cm-dropCursor': { borderLeft: '2px solid var(--text)' },
      '.cm-gutters': {
        backgroundColor: 'var(--surface-2)',
        color: 'var(--muted)',
        borderRight: '1px solid var(--border)',
      },
      '.cm-lineNumbers .cm-gutterElement': { padding: '0 0.5rem 0 0.75rem', minWidth: '2.5ch' },
      '.cm-activeLine': { backgroundColor: dark ? 'rgb(255 255 255 / 4%)' : 'rgb(0 0 0 / 3.5%)' },
      '.cm-activeLineGutter': { backgroundColor: 'var(--accent-soft)', color: 'var(--text)' },
      '.cm-foldPlaceholder': {
        backgroundColor: 'var(--surface-2)',
        border: '1px solid var(--border)',
        color: 'var(--muted)',
      },
      // The name over another editor's cursor shows for a moment after it moves (phones have
      // no hover), and on hover; it would hide the line above if it stayed.
      '.cm-ySelectionInfo': {
        // White on the member's colour, which the palette keeps dark enough (userColor.ts).
        color: '#ffffff',
        fontFamily: 'var(--font)',
        fontSize: '0.7rem',
        fontWeight: '600',
        lineHeight: '1.3',
        padding: '0 4px',
        top: '-1.25em',
        borderRadius: '4px 4px 4px 0',
      },
      '.cm-ySelectionCaret.cm-yActive > .cm-ySelectionInfo': { opacity: 1 },
    },
    { dark },
  );
}

/** Dark-background versions of the default palette's colours. */
const DARK_COLORS: Record<string, string> = {
  '#404740': '#9aa5b1',
  '#708': '#c792ea',
  '#219': '#79b8ff',
  '#164': '#f0a45d',
  '#a11': '#a5d6a7',
  '#e40': '#ff9e64',
  '#00f': '#82aaff',
  '#30a': '#b4a7ff',
  '#085': '#4fd6be',
  '#167': '#56c2d6',
  '#256': '#7fdbca',
  '#00c': '#82aaff',
  '#940': '#8b949e',
  '#f00': '#ff6b6b',
};

const darkHighlightStyle = HighlightStyle.define(
  defaultHighlightStyle.specs.map((spec) =>
    typeof spec.color === 'string' && DARK_COLORS[spec.color]
      ? { ...spec, color: DARK_COLORS[spec.color] }
      : spec,
  ),
);

const light: Extension = [chrome(false), syntaxHighlighting(defaultHighlightStyle)];
const dark: Extension = [chrome(true), syntaxHighlighting(darkHighlightStyle)];

export function editorTheme(isDark: boolean): Extension {
  return isDark ? dark : light;
}
