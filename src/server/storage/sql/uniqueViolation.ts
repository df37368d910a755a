/**
 * The columns of the unique index or primary key a failed insert broke, or undefined when the
 * error is something else. SQLite names them in its message ("UNIQUE constraint failed:
 * members.room_id, members.name_key"), Postgres in the error's detail ("Key (room_id,
 * name_key)=(…) already exists.").
 */
export function uniqueViolation(error: unknown): string[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, detail } = error as {
    code?: unknown;
    message?: unknown;
    detail?: unknown;
  };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = String(message).split('failed: ')[1] ?? '';
    return columns.split(',').map((column) => column.trim().split('.').pop() ?? '');
  }
  if (code === '23505') {
    const columns = /Key \(([^)]*)\)=/.exec(String(detail))?.[1] ?? '';
    return columns.split(',').map((column) => column.trim());
  }
  return undefined;
}
