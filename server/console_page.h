// The web console's single page (console_handler.h): HTML, style sheet and script, compiled in
// as raw string literals, so the server needs no asset files, CDN or JS build. The script draws
// everything with DOM calls and textContent (never innerHTML with data: keys, tags and headers
// are attacker-controlled) and the capacity chart as inline SVG. Immutable; thread-safe.
#pragma once

#include <string_view>

namespace strata::server {

std::string_view ConsoleHtml();  // GET /console
std::string_view ConsoleCss();   // GET /console/app.css
std::string_view ConsoleJs();    // GET /console/app.js

}  // namespace strata::server
