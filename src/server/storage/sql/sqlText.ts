/**
 * User text (room names, message bodies) may hold any character, but Postgres `text` cannot hold
 * U+0000. Both dialects store it escaped the same way: U+0000 becomes U+FFFF "0", and U+FFFF
 * (a noncharacter, never seen in real text) itself is doubled. Text without either character —
 * practically all of it — is stored unchanged.
 */
export function encodeText(text: string): string {
  return text.includes('\u0000') || text.includes('\uffff')
    ? text.replaceAll('\uffff', '\uffff\uffff').replaceAll('\u0000', '\uffff0')
    : text;
}

export function decodeText(stored: string): string {
  return stored.includes('\uffff')
    ? stored.replace(/\uffff(\uffff|0)/g, (_, escaped: string) =>
        escaped === '0' ? '\u0000' : '\uffff',
      )
    : stored;
}
