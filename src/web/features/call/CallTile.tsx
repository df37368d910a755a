import { Avatar } from '../../components/Avatar.js';
import { qualityLabel, type QualityGrade } from './callQuality.js';
import { useSpeaking, useTrack } from './useMedia.js';

/** A microphone with a line through it: the participant's microphone is off. */
function MutedMark() {
  return (
    <span className="call-muted" role="img" aria-label="Microphone off">
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
        <path
          d="M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Zm-6 8a6 6 0 0 0 12 0M12 17v4M4 4l16 16"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
        />
      </svg>
    </span>
  );
}

/** Three bars, as many lit as the connection is good. */
function QualityMark({ grade }: { grade: QualityGrade }) {
  const lit = { good: 3, fair: 2, poor: 1, unknown: 0 }[grade];
  return (
    <span className="call-quality" data-grade={grade} role="img" aria-label={qualityLabel(grade)}>
      {[1, 2, 3].map((bar) => (
        <span key={bar} className={bar <= lit ? 'bar lit' : 'bar'} />
      ))}
    </span>
  );
}

/**
 * One person in the call: their camera, or their initials while it is off; their name, a mark
 * while their microphone is off, a ring while they speak, and (for the others) how well the
 * connection to them carries. Their sound plays from here too.
 */
export function CallTile({
  memberId,
  name,
  video,
  audio,
  cameraOn,
  microphoneOn,
  quality,
  local = false,
}: {
  memberId: string;
  name: string;
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
  cameraOn: boolean;
  microphoneOn: boolean;
  /** Null for this member's own tile. */
  quality: QualityGrade | null;
  local?: boolean;
}) {
  const videoRef = useTrack(cameraOn ? video : null);
  // One's own sound is never played back (it would echo).
  const audioRef = useTrack(local ? null : audio);
  const speaking = useSpeaking(audio, microphoneOn);
  const showVideo = cameraOn && video !== null;
  return (
    <li
      className={speaking ? 'call-tile speaking' : 'call-tile'}
      data-member={memberId}
      data-speaking={speaking}
    >
      {showVideo ? (
        <video
          ref={videoRef}
          className={local ? 'mirrored' : undefined}
          autoPlay
          playsInline
          muted
          aria-label={local ? 'Your camera' : `${name}'s camera`}
        />
      ) : (
        <div className="call-tile-avatar">
          <Avatar memberId={memberId} name={name} />
        </div>
      )}
      {!local && <audio ref={audioRef} autoPlay />}
      <div className="call-tile-caption">
        <span className="call-tile-name">{name}</span>
        {speaking && <span className="visually-hidden"> (speaking)</span>}
        {!microphoneOn && <MutedMark />}
        {quality !== null && <QualityMark grade={quality} />}
      </div>
    </li>
  );
}

/** A participant's shared screen, as a tile of its own. */
export function ScreenTile({ label, track }: { label: string; track: MediaStreamTrack }) {
  const ref = useTrack(track);
  return (
    <li className="call-tile screen">
      <video ref={ref} autoPlay playsInline muted aria-label={label} />
      <div className="call-tile-caption">
        <span className="call-tile-name">{label}</span>
      </div>
    </li>
  );
}
