// The printable ledger: a print button (the page's CSP allows no inline handlers).
const button = document.getElementById('ledger-print');
if (button) button.addEventListener('click', () => window.print());
document.body.dataset.state = 'ready';
