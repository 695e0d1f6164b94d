"""Neighbourhood Desk (邻里中心前台): front-desk program of a neighbourhood centre."""

__version__ = "0.1.0"
APP_NAME = "Neighbourhood Desk"
APP_ID = "NeighbourhoodDesk"
