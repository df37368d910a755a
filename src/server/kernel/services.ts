/**
 * The services features offer one another, by name. Empty here: each feature that provides one
 * adds its entry from its own folder, so the kernel names no feature:
 *
 *     declare module '../kernel/services.js' {
 *       interface Services { chat: ChatService }
 *     }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Services {}
