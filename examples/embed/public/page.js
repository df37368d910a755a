// The two rooms of the example page, mounted through Roomkit's /embed.js.
/* global document, window, Roomkit */

/** Asks this site's server for a fresh ticket for `room`, each time Roomkit needs one. */
function ticketFor(room) {
  return async () => {
    const response = await fetch('/ticket', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room }),
    });
    if (!response.ok) throw new Error(`the ticket was refused (${response.status})`);
    return response.json();
  };
}

/** Lists each event under the room, and shows the unread count beside its title. */
function eventsOf(room) {
  const list = document.querySelector(`[data-events="${room}"]`);
  const badge = document.querySelector(`[data-unread="${room}"]`);
  return (event) => {
    const item = document.createElement('li');
    item.textContent = JSON.stringify(event);
    list.append(item);
    const count =
      event.name === 'unread' ? event.count : event.name === 'message' ? event.unread : null;
    if (count !== null) {
      badge.textContent = String(count);
      badge.hidden = count === 0;
    }
  };
}

window.rooms = {
  support: Roomkit.mount(document.getElementById('support'), {
    getTicket: ticketFor('support'),
    theme: { mode: 'light', accent: '#0a7cff' },
    onEvent: eventsOf('support'),
    title: 'Support chat',
  }),
  team: Roomkit.mount(document.getElementById('team'), {
    getTicket: ticketFor('team'),
    theme: { mode: 'dark' },
    onEvent: eventsOf('team'),
    title: 'Team room',
  }),
};
