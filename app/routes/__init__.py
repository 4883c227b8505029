"""HTTP routes: web pages and the JSON API. Thin: parse, call the domain, render."""
