/**
 * Messages between the instances of one deployment (multi-instance mode), for features whose
 * traffic is not room events — the collaborative documents' Yjs updates. Delivery is best
 * effort: a message sent while the instances cannot reach each other is lost, and `onResume`
 * tells the listeners when to catch up.
 */
export interface ClusterChannel {
  /** Sends `message` to every other instance listening on `topic`. Never throws. */
  publish(topic: string, message: Uint8Array): void;
  /** Hears the other instances' messages on `topic`. Returns the unsubscribe function. */
  subscribe(topic: string, listener: (message: Uint8Array) => void): () => void;
  /** Hears that the channel is back after a gap, in which messages may have been lost. */
  onResume(listener: () => void): () => void;
}
