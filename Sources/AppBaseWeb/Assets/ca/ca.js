// Fills in the CA's name, fingerprint and expiry from /ca/info (the page itself is static).
const show = (id, text) => { document.getElementById(id).textContent = text; };

async function load() {
  try {
    const response = await fetch('/ca/info', { cache: 'no-cache' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const info = await response.json();
    show('ca-subject', info.subject);
    show('ca-fingerprint', info.sha256);
    show('ca-expiry', info.notAfter);
  } catch (error) {
    show('ca-fingerprint', `unavailable (${error.message})`);
  }
}

load();
