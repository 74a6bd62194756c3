"""The app shell: builds the web app (every domain's router, the console and the portal, static files, error
pages) and serves it. It sits above every page package; nothing below imports it."""
