/**
 * The operator's admin token, kept for this tab only (sessionStorage): it grants everything the
 * admin API can do, so it should not outlive the tab or reach other tabs and later visits the way
 * localStorage would.
 */
const KEY = 'roomkit:admin-token';

export function loadAdminToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // Storage blocked: the operator signs in again after a reload.
  }
}

export function saveAdminToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Kept in memory for this page only.
  }
}

export function forgetAdminToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was kept.
  }
}
