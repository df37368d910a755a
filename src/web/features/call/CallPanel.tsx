import { useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { Call, MemberPresence } from '../../../protocol/schemas.js';
import type { CallController, CallSnapshot } from './CallController.js';
import { CallTile, ScreenTile } from './CallTile.js';

type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** Screen sharing exists in this browser (phones have none). */
const canShareScreen = () =>
  typeof navigator !== 'undefined' &&
  typeof (navigator.mediaDevices as MediaDevices | undefined)?.getDisplayMedia === 'function';

/** The corner nearest to where the picture was let go. */
function nearestCorner(x: number, y: number): Corner {
  const top = y < window.innerHeight / 2;
  const left = x < window.innerWidth / 2;
  return `${top ? 'top' : 'bottom'}-${left ? 'left' : 'right'}`;
}

/**
 * The room's call for someone in it: a tile per participant and their screens, and the controls
 * (microphone, camera, screen, devices, leave). As `pip`, while the person looks at the chat,
 * the files or the code, it shrinks to a small picture docked in a corner of the window (drag
 * it to another), with a button back to the call; the media keep playing throughout.
 */
export function CallPanel({
  id,
  controller,
  snapshot,
  call,
  members,
  me,
  pip,
  onReturn,
}: {
  id: string;
  controller: CallController;
  snapshot: CallSnapshot;
  call: Call;
  members: readonly MemberPresence[];
  me: string;
  pip: boolean;
  onReturn: () => void;
}) {
  const [corner, setCorner] = useState<Corner>('bottom-right');
  const [dragging, setDragging] = useState<{ x: number; y: number } | null>(null);
  const start = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const nameOf = (memberId: string) =>
    members.find((member) => member.id === memberId)?.displayName ?? 'Someone';
  const participants = call?.participants ?? [];
  const others = participants.filter((participant) => participant.memberId !== me);
  const mine = participants.find((participant) => participant.memberId === me);

  const onPointerDown = (event: ReactPointerEvent<HTMLElement>) => {
    if (!pip || (event.target as Element).closest('button, select, summary')) return;
    start.current = { x: event.clientX, y: event.clientY, moved: false };
    event.currentTarget.setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: ReactPointerEvent<HTMLElement>) => {
    const from = start.current;
    if (!from) return;
    if (!from.moved && Math.hypot(event.clientX - from.x, event.clientY - from.y) < 8) return;
    from.moved = true;
    setDragging({ x: event.clientX, y: event.clientY });
  };
  const onPointerUp = (event: ReactPointerEvent<HTMLElement>) => {
    const from = start.current;
    start.current = null;
    if (from?.moved) setCorner(nearestCorner(event.clientX, event.clientY));
    setDragging(null);
  };

  const screens = [
    ...(snapshot.local.screen ? [{ memberId: me, track: snapshot.local.screen }] : []),
    ...others.flatMap((participant) => {
      const track = snapshot.peers[participant.memberId]?.incoming.screen;
      return participant.screen && track ? [{ memberId: participant.memberId, track }] : [];
    }),
  ];

  // In the small picture the others come first: on a phone only the first tile shows.
  const ownTile = (
    <CallTile
      memberId={me}
      name={`${nameOf(me)} (you)`}
      video={snapshot.local.camera}
      audio={snapshot.local.audio}
      cameraOn={snapshot.camera}
      microphoneOn={snapshot.microphone}
      quality={null}
      local
    />
  );

  return (
    <section
      id={id}
      className={pip ? `call-panel pip ${corner}${dragging ? ' dragging' : ''}` : 'call-panel'}
      aria-label="Call"
      style={dragging ? { left: dragging.x, top: dragging.y } : undefined}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
    >
      {snapshot.notice && (
        <div className="call-notice" role="alert">
          <p>{snapshot.notice}</p>
          <button type="button" className="small quiet" onClick={() => controller.dismissNotice()}>
            Dismiss
          </button>
        </div>
      )}
      {/* Focusable: on a small screen the tiles scroll, and keyboards must reach them too. */}
      <ul className="call-tiles" aria-label="People in the call" tabIndex={0}>
        {screens.map(({ memberId, track }) => (
          <ScreenTile
            key={`screen-${memberId}`}
            label={memberId === me ? 'Your screen' : `${nameOf(memberId)}'s screen`}
            track={track}
          />
        ))}
        {!pip && ownTile}
        {others.map((participant) => {
          const peer = snapshot.peers[participant.memberId];
          return (
            <CallTile
              key={`${participant.memberId}-${participant.since}`}
              memberId={participant.memberId}
              name={nameOf(participant.memberId)}
              video={peer?.incoming.camera ?? null}
              audio={peer?.incoming.audio ?? null}
              cameraOn={participant.video}
              microphoneOn={participant.audio}
              quality={peer?.quality ?? 'unknown'}
            />
          );
        })}
        {pip && ownTile}
      </ul>
      <div className="call-controls">
        {pip && (
          <button type="button" className="small primary" onClick={onReturn}>
            Back to call
          </button>
        )}
        <button
          type="button"
          className="call-toggle"
          aria-pressed={snapshot.microphone}
          disabled={snapshot.busy}
          onClick={() => void controller.toggleMicrophone()}
        >
          Microphone
        </button>
        <button
          type="button"
          className="call-toggle"
          aria-pressed={snapshot.camera}
          disabled={snapshot.busy}
          onClick={() => void controller.toggleCamera()}
        >
          Camera
        </button>
        {!pip && canShareScreen() && (
          <button
            type="button"
            className="call-toggle"
            aria-pressed={snapshot.screen}
            disabled={snapshot.busy}
            onClick={() => void controller.toggleScreen()}
          >
            Share screen
          </button>
        )}
        {!pip && (snapshot.microphones.length > 0 || snapshot.cameras.length > 0) && (
          <details className="call-devices">
            <summary>Devices</summary>
            <DevicePicker
              label="Microphone device"
              devices={snapshot.microphones}
              value={snapshot.microphoneId}
              onChange={(deviceId) => void controller.chooseDevice('audio', deviceId)}
            />
            <DevicePicker
              label="Camera device"
              devices={snapshot.cameras}
              value={snapshot.cameraId}
              onChange={(deviceId) => void controller.chooseDevice('video', deviceId)}
            />
          </details>
        )}
        <button
          type="button"
          className="call-leave"
          disabled={snapshot.busy}
          onClick={() => void controller.leave()}
        >
          Leave call
        </button>
      </div>
      {mine === undefined && snapshot.joined && (
        <p className="call-status" role="status">
          Joining…
        </p>
      )}
    </section>
  );
}

function DevicePicker({
  label,
  devices,
  value,
  onChange,
}: {
  label: string;
  devices: readonly MediaDeviceInfo[];
  value: string | null;
  onChange: (deviceId: string) => void;
}) {
  if (devices.length === 0) return null;
  return (
    <label className="call-device">
      {label}
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value)}>
        {value === null && <option value="">Default</option>}
        {devices.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${label} ${index + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}
