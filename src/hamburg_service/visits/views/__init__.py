"""The pages of on-site visits: `public` (ticket machine, printed and mobile ticket, call
display), `desk` (front desk), `counter` (the clerk's workstation) and `kiosks` (setting up
ticket machines)."""
