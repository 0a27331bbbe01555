"""Work notes on process instances: comments, file attachments, and the task page's timeline.

Also the rules of who may view, work on and reassign a human task, which the task page obeys.
Never imports flask: the web layer passes the engine, the user and the upload folder in.
"""
