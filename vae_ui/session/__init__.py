"""One session's state, drawing nothing: the controls and their URL, the guard on what a browser sends, the scene
presented and what it keeps back, a user's text made safe to show."""
