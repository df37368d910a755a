import { FILE_NAME_MAX } from '../../protocol/constants.js';

// Controls, format characters (bidi overrides, zero-width), separators, private use, unassigned.
const unsafe = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/gu;
// Characters that break Content-Disposition, shells or file systems.
const awkward = /[*:<>?|\\/]/g;

/**
 * A name safe to show and to offer as a download: no path, no control, bidi or zero-width
 * characters, no quotes, at most FILE_NAME_MAX characters, and — when the type is known — the
 * extension of the detected type (a PNG called "photo.gif" becomes "photo.png").
 */
export function sanitizeFileName(input: string, ext: string | undefined): string {
  const base = input.normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  let name = base
    .replace(unsafe, '')
    .replace(/"/g, "'")
    .replace(awkward, '_')
    .replace(/\s+/gu, ' ')
    .trim();
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  let stem = name;
  let suffix = '';
  const dot = name.lastIndexOf('.');
  if (ext !== undefined) {
    if (dot > 0) stem = name.slice(0, dot);
    suffix = `.${ext}`;
  } else if (dot > 0 && name.length - dot <= 10) {
    stem = name.slice(0, dot);
    suffix = name.slice(dot);
  }
  stem = [...stem]
    .slice(0, FILE_NAME_MAX - [...suffix].length)
    .join('')
    .trim();
  return `${stem || 'file'}${suffix}`;
}
