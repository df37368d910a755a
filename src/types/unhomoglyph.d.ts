declare module 'unhomoglyph' {
  /** Replaces every confusable character with its skeleton (Unicode confusables.txt). */
  export default function unhomoglyph(input: string): string;
}
