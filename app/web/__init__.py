"""Every HTML page's machinery: the templates and ``render``, the pages' words (zh-CN first, English with
?lang=en), the content security policy, the base map's settings, the account on every page and who may
see it (``page_access``), /login and /logout, and the static files."""
