import type { MemberRecord, RoomRecord } from '../storage/records.js';

/** A member of a live room, as checked against the store: who acts, and where. */
export interface Membership {
  room: RoomRecord;
  member: MemberRecord;
}
