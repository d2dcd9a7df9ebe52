// mkdocs-static-i18n already points the language switcher at this page in the other language.
// Material would also fetch a sitemap.xml next to each <link rel="alternate"> to work that out,
// which 404s here (one sitemap for the whole site). It looks for those links when the document is
// loaded, after this script has run: remove them, and the switcher's own links do the job.
document.querySelectorAll('link[rel="alternate"][hreflang]').forEach((link) => link.remove());
