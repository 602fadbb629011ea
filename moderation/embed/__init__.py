"""The embed: embed.js on a newspaper's page, and the comment stream in an iframe that works without cookies."""
