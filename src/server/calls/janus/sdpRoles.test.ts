import { describe, expect, it } from 'vitest';
import { publisherOffer } from '../../../../test/sdp.js';
import { publishedLines } from './sdpRoles.js';

describe('the lines of a participant’s offer to the SFU', () => {
  it('are the camera where the video shares the audio’s stream, and the screen where not', () => {
    expect(publishedLines(publisherOffer())).toEqual([
      { mid: '1', description: 'camera' },
      { mid: '2', description: 'screen' },
    ]);
    // The stream ids decide, not the order.
    const swapped = publisherOffer({ camera: 'a', screen: 'b' })
      .replace('a=msid:a track1', 'a=msid:b track1')
      .replace('a=msid:b track2', 'a=msid:a track2');
    expect(publishedLines(swapped)).toEqual([
      { mid: '1', description: 'screen' },
      { mid: '2', description: 'camera' },
    ]);
  });

  it('go by order when the offer names no streams', () => {
    const bare = publisherOffer().replace(/a=msid:[^\r]*\r\n/g, '');
    expect(publishedLines(bare)).toEqual([
      { mid: '1', description: 'camera' },
      { mid: '2', description: 'screen' },
    ]);
    expect(publishedLines('v=0\r\n')).toEqual([]);
  });
});
