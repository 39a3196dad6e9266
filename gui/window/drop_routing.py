"""Drops on the main window go to the page under the pointer.

A folder dropped on the Predict page (its table, its busy strip, anywhere on it) is photos
to classify and never replaces the training data; on the Data or Train page it is the
training folder. Over the tab bar or the status bar, the page on show decides.
"""

from __future__ import annotations

from gui.widgets.drop_zone import local_paths


class PageDropRouter:
    """Mixin for MainWindow: needs ``predictPage``, ``dataPage``, ``trainPage``, ``tabs``, ``predict_paths``
    and ``dropOverlay`` (a gui.window.drop_overlay.DropOverlay)."""

    def _drop_page(self, event):
        """The page under the pointer; over the tab bar or status bar, the page on show."""
        widget = self.childAt(event.position().toPoint())
        for page in (self.predictPage, self.dataPage, self.trainPage):
            if widget is not None and (widget is page or page.isAncestorOf(widget)):
                return page
        return self.tabs.currentWidget()

    def dragEnterEvent(self, event) -> None:
        local = local_paths(event)
        page = self._drop_page(event)
        if (page is self.predictPage and local) or any(p.is_dir() for p in local):
            event.acceptProposedAction()
            self._show_target(page)
        else:
            event.ignore()
            self.dropOverlay.hide()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()
        self._show_target(self._drop_page(event))

    def dragLeaveEvent(self, event) -> None:
        self.dropOverlay.hide()

    def _show_target(self, page) -> None:
        if page is self.predictPage:
            self.dropOverlay.show_over(page, "Drop to classify these photos")
        else:
            self.dropOverlay.show_over(self.tabs, "Drop a folder to train on it")

    def dropEvent(self, event) -> None:
        self.dropOverlay.hide()
        local = local_paths(event)
        if self._drop_page(event) is self.predictPage:  # photos to classify; the training data stays
            if local:
                event.acceptProposedAction()
                self.predict_paths(local)
            return
        folders = [p for p in local if p.is_dir()]
        if folders:
            event.acceptProposedAction()
            self.tabs.setCurrentWidget(self.dataPage)
            self.dataPage.set_folder(str(folders[0]))
