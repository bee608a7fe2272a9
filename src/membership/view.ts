/**
 * The membership view: a monotonically numbered member set. When the local
 * member set changes, the new view id is one above every id this member has
 * seen; when a peer announces the same member set under a higher id, that id
 * is adopted, so members that saw the same change converge on one id.
 * Agreement means every member announces our digest and our id.
 */
import { memberDigest } from './packet.js';

export interface ViewMember { id: number; incarnation: number }

export interface PeerAnnouncement { viewId: number; digest: Buffer; members: number[]; sinceMs: number }

export class ViewTracker {
  viewId = 0;
  members: ViewMember[] = [];
  digest: Buffer = memberDigest([]);
  /** Whether every member announced our view; set by `checkAgreement`. */
  agreed = false;
  private disagreementReportedFor = -1;

  /**
   * Installs a member set. Returns true when the set changed (a new view).
   * `peerViewIds` are the ids the current peers announce.
   */
  install(members: ViewMember[], peerViewIds: readonly number[]): boolean {
    const digest = memberDigest(members);
    if (digest.equals(this.digest) && this.viewId > 0) return false;
    this.viewId = Math.max(this.viewId, ...peerViewIds) + 1;
    this.members = [...members].sort((a, b) => a.id - b.id);
    this.digest = digest;
    this.agreed = false;
    return true;
  }

  /** Adopts a peer's higher id for the same member set. Returns true if adopted. */
  adopt(announcement: PeerAnnouncement): boolean {
    if (this.viewId === 0 || !announcement.digest.equals(this.digest) || announcement.viewId <= this.viewId) return false;
    this.viewId = announcement.viewId;
    this.agreed = false;
    return true;
  }

  /**
   * Compares our view with what each member announces. Returns the peers that
   * have disagreed for longer than `patienceMs`, once per view, so the caller
   * reports them; `agreed` tells whether all agree now.
   */
  checkAgreement(announcements: ReadonlyMap<number, PeerAnnouncement | undefined>, nowMs: number, patienceMs: number): { becameAgreed: boolean; disagreeing: number[] } {
    const wasAgreed = this.agreed;
    const disagreeing: number[] = [];
    let all = this.viewId > 0;
    for (const [id, announcement] of announcements) {
      const same = announcement !== undefined && announcement.viewId === this.viewId && announcement.digest.equals(this.digest);
      if (same) continue;
      all = false;
      if (announcement !== undefined && nowMs - announcement.sinceMs > patienceMs) disagreeing.push(id);
    }
    this.agreed = all;
    const report = disagreeing.length > 0 && this.disagreementReportedFor !== this.viewId;
    if (report) this.disagreementReportedFor = this.viewId;
    return { becameAgreed: all && !wasAgreed, disagreeing: report ? disagreeing : [] };
  }
}
