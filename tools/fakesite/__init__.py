"""The generator behind ``tools/sitegen.py``, one concern a module:

- ``config``: hosts, times, templates by URL kind, the column table, robots.txt;
- ``words``: word lists and the text made of them;
- ``template``, ``body_slots``: a template article page cut into literal parts and slots;
- ``model``: an article's facts, Beijing time, URLs;
- ``site``: the plan and each article's page; ``specials``: the ``--special`` recordings;
  ``recordings``: roll-API replies, list pages, robots.txt, the manifest;
- ``verify``: checking a written site.
"""
