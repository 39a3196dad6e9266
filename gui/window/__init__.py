"""The window's frame: menus, status line, theme, settings, drops, crash report, start-up preload."""
