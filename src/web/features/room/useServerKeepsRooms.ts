import { useEffect, useState } from 'react';
import { serverKeepsRooms } from './roomApi.js';

/** Whether this server can keep rooms, asked once when `ask` turns true; false until it answers. */
export function useServerKeepsRooms(ask = true): boolean {
  const [keeps, setKeeps] = useState(false);
  useEffect(() => {
    if (!ask) return;
    let current = true;
    void serverKeepsRooms().then((answer) => current && setKeeps(answer));
    return () => {
      current = false;
    };
  }, [ask]);
  return keeps;
}
