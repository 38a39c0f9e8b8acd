"""The listen-later inbox: a private web app that turns articles sent to it into episodes of a show."""
