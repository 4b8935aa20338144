"""The administrator's pages that belong to no page module of their own domain (a domain below app.web
cannot render a page: app.web reads the notifications for its bell)."""
